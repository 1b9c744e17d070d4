package whaleim

import (
	"slices"
	"sort"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/backoff"
	"github.com/whaleim/whaleim/im-common/command"
)

// stream is one conversation's inbound order; guarded by Client.mu.
type stream struct {
	conv    string
	last    int64              // highest seq emitted (or skipped as a hole)
	buf     map[int64]*Message // arrived ahead of last+1; nil marks our own send
	target  int64              // highest seq known to exist
	pulling bool
	empty   int // consecutive gap pulls that found nothing
}

func (c *Client) stream(conv string) *stream {
	s, ok := c.inbox[conv]
	if !ok {
		s = &stream{conv: conv, buf: map[int64]*Message{}}
		c.inbox[conv] = s
	}
	return s
}

// accept takes a pushed or pulled message; c.mu is held.
func (c *Client) accept(m Message, pushed bool) {
	if m.Conversation == "" || m.Seq <= 0 {
		return
	}
	s := c.stream(m.Conversation)
	if _, held := s.buf[m.Seq]; held || m.Seq <= s.last {
		if pushed {
			c.receiveAck(m) // the server may have lost our first ACK
		}
		return
	}
	s.buf[m.Seq] = &m
	c.drain(s)
	if len(s.buf) > 0 {
		s.target = max(s.target, slices.Max(keys(s.buf)))
		c.startPull(s)
	}
}

// own records the seq of our own acknowledged send: it takes its place in
// the order without being emitted, and never starts a pull by itself.
func (c *Client) own(conv string, seq int64, e OutboxEntry) {
	if seq <= 0 {
		return
	}
	s := c.stream(conv)
	if seq <= s.last {
		return
	}
	if _, held := s.buf[seq]; !held {
		s.buf[seq] = nil
	}
	c.sentOwn(conv, seq, e)
	c.drain(s)
}

// drain emits every message that is next in order.
func (c *Client) drain(s *stream) {
	for {
		m, ok := s.buf[s.last+1]
		if !ok {
			return
		}
		delete(s.buf, s.last+1)
		c.advance(s, s.last+1, m)
	}
}

// advance moves last to seq, emitting m unless it is ours or a hole.
func (c *Client) advance(s *stream, seq int64, m *Message) {
	s.last = seq
	if err := c.cfg.Store.SaveSeq(c.ctx, s.conv, seq); err != nil {
		c.cfg.Logger.Error("whaleim: store: save seq", "err", err)
	}
	if m == nil {
		return
	}
	if p, mine := c.outbox.byID[m.ID]; mine && m.From == c.cfg.UserID {
		// our own unanswered send came back (pulled or echoed): it is stored
		c.outbox.acked(c, m.ID, payload.MessageAck{Code: 200, Data: &payload.AckData{MessageID: p.MessageID, MessageSequence: seq, MessageKey: m.Key}})
		return
	}
	c.emit(MessageReceived{Message: *m})
	c.received(*m)
	c.receiveAck(*m)
}

// skipTo declares every seq up to upto absent (a hole the server
// declared), emitting what is held on the way. It jumps: a server that
// announces seq 10^18 costs one store write, not 10^18.
func (c *Client) skipTo(s *stream, upto int64) {
	held := keys(s.buf)
	slices.Sort(held)
	for _, seq := range held {
		if seq > upto {
			break
		}
		m := s.buf[seq]
		delete(s.buf, seq)
		c.advance(s, seq, m)
	}
	if s.last < upto {
		c.advance(s, upto, nil)
	}
	c.drain(s)
}

// receiveAck tells the sender's devices a 1:1 message reached us.
func (c *Client) receiveAck(m Message) {
	if m.Group != "" || m.From == c.cfg.UserID || m.Recalled {
		return
	}
	c.write(command.MessageReceiveAck, payload.ReceiveAck{MessageID: m.ID, MessageKey: m.Key,
		MessageSequence: m.Seq, ToID: m.From})
}

func (c *Client) startPull(s *stream) {
	if s.pulling || c.link == nil {
		return
	}
	s.pulling = true
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.pullLoop(s)
	}()
}

// pullLoop pulls until s has no gap and reached its target. A gap pull
// asks for exactly the missing range; a sync pull for a page.
func (c *Client) pullLoop(s *stream) {
	for tries := 0; ; {
		c.mu.Lock()
		after, limit, gap := s.last, c.cfg.PullLimit, len(s.buf) > 0
		if gap {
			limit = int(min(slices.Min(keys(s.buf))-s.last-1, int64(c.cfg.PullLimit)))
		}
		if (!gap && s.target <= s.last) || c.ctx.Err() != nil {
			s.pulling = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		p, err := c.pull(c.ctx, s.conv, after, limit)
		c.mu.Lock()
		if err != nil {
			c.cfg.Logger.Info("whaleim: pull failed", "conversation", s.conv, "err", err)
			tries++
		} else {
			tries = c.applyPage(s, after, p)
		}
		giveUp := tries > c.cfg.HoleRetries
		if giveUp {
			c.giveUp(s)
		}
		c.mu.Unlock()
		if tries > 0 && !giveUp && backoff.Sleep(c.ctx, backoff.Delay(tries-1, c.cfg.BackoffMin, c.cfg.BackoffMax)) != nil {
			c.mu.Lock()
			s.pulling = false
			c.mu.Unlock()
			return
		}
	}
}

// applyPage feeds a pull answer in; seqs between after and a returned seq
// that were not returned are holes. It returns how many pulls in a row
// made no progress (0 after progress).
func (c *Client) applyPage(s *stream, after int64, p page) int {
	list := p.DataList
	sort.Slice(list, func(i, j int) bool { return list[i].Seq < list[j].Seq })
	for _, v := range list {
		if v.Seq <= after {
			continue
		}
		c.skipTo(s, v.Seq-1)
		c.accept(v.message(s.conv), false)
	}
	if s.last > after {
		s.empty = 0
		return 0
	}
	if len(s.buf) == 0 {
		s.target = s.last // the server announced more than it has: nothing to wait for
		return 0
	}
	s.empty++
	return s.empty
}

// giveUp declares the gap before the first held message a hole after
// HoleRetries empty pulls (the server may store late, but not forever).
func (c *Client) giveUp(s *stream) {
	if len(s.buf) > 0 {
		c.skipTo(s, slices.Min(keys(s.buf))-1)
	}
	s.empty = 0
	if len(s.buf) == 0 && s.target > s.last {
		s.target = s.last
	}
}

// sync runs after every login: the max-sequence query, then a pull of
// every conversation past its last seen seq, one after another.
func (c *Client) sync() {
	defer c.wg.Done()
	seqs, err := c.maxSeqs(c.ctx)
	if err != nil {
		c.cfg.Logger.Info("whaleim: sync failed", "err", err)
		return
	}
	for _, cs := range seqs {
		c.mu.Lock()
		c.syncRead(cs.Conversation, cs.ReadSeq)
		s := c.stream(cs.Conversation)
		run := cs.MaxSequence > s.last && !s.pulling
		s.target = max(s.target, cs.MaxSequence)
		if run {
			s.pulling = true
		}
		c.mu.Unlock()
		if run {
			c.pullLoop(s)
		}
	}
}

func keys(m map[int64]*Message) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
