package inproc

import (
	"context"
	"fmt"
	"time"

	"github.com/whaleim/whaleim/im-common/mq"
)

// Publish routes msg by exchange and key (the default exchange "" routes
// to the queue named key) into every matching queue. It returns nil once
// every copy is accepted: at once for memory queues, after the fsync of
// its log record for a Persistent message in a durable queue (the copies
// of one publish share that fsync). mq.ErrUnroutable: no queue matched,
// nothing was stored. ctx's error: the caller stopped waiting, the message
// may be stored.
func (b *Broker) Publish(ctx context.Context, exchange, key string, msg mq.Publishing) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	done, err := b.publish(exchange, key, msg, nil)
	if err != nil || done == nil {
		return err
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// publish routes msg; the returned channel, when not nil, gets the result
// of the fsync that makes it durable.
func (b *Broker) publish(exchange, key string, msg mq.Publishing, reply chan []byte) (<-chan error, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, errClosed
	}
	targets, err := b.route(exchange, key, time.Now())
	if err != nil {
		return nil, err
	}
	var expires time.Time
	if msg.Expiration > 0 {
		expires = time.Now().Add(msg.Expiration)
	}
	records, later, err := b.place(targets, stored{exch: exchange, key: key, pub: msg, expires: expires}, reply, nil)
	if err != nil {
		return nil, err
	}
	if len(later) == 0 {
		return nil, nil
	}
	return b.j.append(records, func() { b.pushAll(later) }, true), nil
}

// route returns the queues exchange sends key to; b.mu must be held.
func (b *Broker) route(exchange, key string, now time.Time) ([]*queue, error) {
	if exchange == "" {
		if q := b.live(key, now); q != nil {
			return []*queue{q}, nil
		}
		return nil, fmt.Errorf("%w: no queue %q", mq.ErrUnroutable, key)
	}
	kind, ok := b.exchanges[exchange]
	if !ok {
		return nil, fmt.Errorf("%w: no exchange %q", mq.ErrUnroutable, exchange)
	}
	var out []*queue
	for _, bd := range b.bindings {
		if bd.Exchange != exchange || (kind == "direct" && bd.Key != key) {
			continue
		}
		if q := b.live(bd.Queue, now); q != nil && !containsQueue(out, q) {
			out = append(out, q)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: exchange %q key %q", mq.ErrUnroutable, exchange, key)
	}
	return out, nil
}

// live returns the named queue, deleting it first when it expired
// (Expires: unused for that long).
func (b *Broker) live(name string, now time.Time) *queue {
	q := b.queues[name]
	if q == nil || !q.unused(now) {
		return q
	}
	delete(b.queues, name)
	kept := b.bindings[:0]
	for _, bd := range b.bindings {
		if bd.Queue != name {
			kept = append(kept, bd)
		}
	}
	b.bindings = kept
	return nil
}

func containsQueue(qs []*queue, q *queue) bool {
	for _, x := range qs {
		if x == q {
			return true
		}
	}
	return false
}

func (b *Broker) pushAll(ms []*message) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range ms {
		if q := b.queues[m.queue]; q != nil {
			b.push(q, m)
		}
	}
}

// push appends m to q; a message pushed out by MaxLength leaves like a
// rejected one. b.mu must be held.
func (b *Broker) push(q *queue, m *message) {
	if dropped := q.push(m); dropped != nil {
		b.remove(q, []*message{dropped}, true)
	}
}

// remove takes ms out of q for good: acked (dead false) or rejected, then
// they go to the dead-letter exchange when q has one. Their log records
// are retired in the same write as the dead-letter copies, so a crash
// keeps a message either in q or in the dead-letter queue. b.mu must be
// held.
func (b *Broker) remove(q *queue, ms []*message, dead bool) {
	var records []byte
	var later []*message
	if dead && q.def.DeadLetter {
		records, later = b.deadLetter(ms)
	}
	for _, m := range ms {
		delete(q.inflight, m.id)
		if m.durable {
			records = appendAck(records, m.id)
		}
	}
	if len(records) > 0 && b.j != nil {
		var apply func()
		if len(later) > 0 {
			apply = func() { b.pushAll(later) }
		}
		b.j.append(records, apply, false)
	}
}

// deadLetter routes copies of ms to the dead-letter exchange: memory
// copies at once, durable ones returned as records plus the messages to
// push once those are written. b.mu must be held.
func (b *Broker) deadLetter(ms []*message) ([]byte, []*message) {
	var records []byte
	var later []*message
	for _, m := range ms {
		targets, err := b.route(b.opts.deadLetter, m.key, time.Now())
		var l []*message
		if err == nil {
			records, l, err = b.place(targets, stored{exch: m.exch, key: m.key, pub: m.pub}, nil, records)
		}
		if err != nil {
			b.log.Warn("inproc: dead letter dropped", "queue", m.queue, "message_id", m.pub.MessageID, "err", err)
			continue
		}
		later = append(later, l...)
	}
	return records, later
}

// place puts a copy of tmpl into each target: memory copies at once;
// durable copies (a Persistent message in a durable queue, with a log) are
// appended to records, and returned to be pushed once the records are
// written. b.mu must be held.
func (b *Broker) place(targets []*queue, tmpl stored, reply chan []byte, records []byte) ([]byte, []*message, error) {
	var later []*message
	for _, q := range targets {
		m := &message{stored: tmpl, reply: reply}
		m.id, m.queue = b.nextID, q.def.Name
		b.nextID++
		if !(tmpl.pub.Persistent && q.durable() && b.j != nil) {
			b.push(q, m)
			continue
		}
		m.durable = true
		var err error
		if records, err = appendPublish(records, &m.stored); err != nil {
			return records, later, err
		}
		later = append(later, m)
	}
	return records, later, nil
}
