package conversation

import (
	"context"
	"fmt"
	"time"
)

// FlushInterval is how often Run writes the buffered changes: the most a
// crash can lose (see behind.go) and the most another node's reader waits.
const FlushInterval = 50 * time.Millisecond

// lateReads is how many flushes a read waits for the message that creates
// its row before it is dropped (the row may come from another node's flush).
const lateReads = 2

// Run flushes every FlushInterval until ctx ends, then once more. A failed
// flush keeps its changes and retries them at the next tick.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(FlushInterval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := s.Flush(fctx); err != nil {
				s.log.Warn("conversation: last flush failed, changes lost", "err", err)
			}
			return nil
		case <-t.C:
			err := s.Flush(ctx)
			if (err != nil) != failing { // log the change only, not every tick of an outage
				failing = err != nil
				s.log.WarnContext(ctx, "conversation: write-behind flush", "failing", failing, "err", err)
			}
		}
	}
}

// Flush writes every change buffered before the call in one transaction.
// On error the changes stay buffered (merged under newer ones) for the next
// flush.
func (s *Service) Flush(ctx context.Context) error {
	s.buf.flushMu.Lock()
	defer s.buf.flushMu.Unlock()
	p := s.buf.take()
	if p.empty() {
		return nil
	}
	b, err := s.batch(ctx, p)
	var missing []Position
	if err == nil && (len(b.Rows) > 0 || len(b.Reads) > 0 || len(b.Received) > 0) {
		missing, err = s.store.WriteBehind(ctx, b)
	}
	if err != nil {
		s.buf.add(func(q *pending) { q.merge(p) })
		return fmt.Errorf("conversation: flush: %w", err)
	}
	s.buf.add(func(q *pending) {
		for _, m := range missing {
			k := posKey{m.AppID, m.Owner, m.ConversationID}
			if r := p.reads[k]; r.late < lateReads {
				q.read(k, read{seq: r.seq, late: r.late + 1})
			}
		}
	})
	return nil
}

// batch turns p into rows and positions, clamping every read and receive
// cursor to its conversation's allocated seqs.
func (s *Service) batch(ctx context.Context, p pending) (Batch, error) {
	ceil, err := s.ceilings(ctx, p)
	if err != nil {
		return Batch{}, err
	}
	var b Batch
	rows := map[posKey]int{}
	for k, c := range p.touches {
		for owner, peer := range c.peers {
			rows[posKey{k.app, owner, k.conv}] = len(b.Rows)
			b.Rows = append(b.Rows, Row{AppID: k.app, Owner: owner, ConversationID: k.conv, Type: c.typ, PeerID: peer,
				MaxSeq: c.maxSeq, Last: c.last, ReadSeq: c.readers[owner]})
		}
	}
	for k, r := range p.reads {
		seq := min(r.seq, ceil[convKey{k.app, k.conv}])
		if i, ok := rows[k]; ok {
			b.Rows[i].ReadSeq = max(b.Rows[i].ReadSeq, seq)
		} else if seq > 0 {
			b.Reads = append(b.Reads, Position{AppID: k.app, Owner: k.owner, ConversationID: k.conv, Seq: seq})
		}
	}
	for k, seq := range p.received {
		if seq = min(seq, ceil[convKey{k.app, k.conv}]); seq > 0 {
			b.Received = append(b.Received, Position{AppID: k.app, Owner: k.owner, ConversationID: k.conv, Seq: seq})
		}
	}
	return b, nil
}

// ceilings returns the allocated seqs of every conversation p has a cursor
// in: one call per app.
func (s *Service) ceilings(ctx context.Context, p pending) (map[convKey]int64, error) {
	byApp := map[uint32]map[string]bool{}
	add := func(k posKey) {
		if byApp[k.app] == nil {
			byApp[k.app] = map[string]bool{}
		}
		byApp[k.app][k.conv] = true
	}
	for k := range p.reads {
		add(k)
	}
	for k := range p.received {
		add(k)
	}
	out := map[convKey]int64{}
	for app, set := range byApp {
		convs := make([]string, 0, len(set))
		for c := range set {
			convs = append(convs, c)
		}
		got, err := s.alloc.Allocated(ctx, app, convs)
		if err != nil {
			return nil, fmt.Errorf("allocated seqs: %w", err)
		}
		for c, seq := range got {
			out[convKey{app, c}] = seq
		}
	}
	return out, nil
}
