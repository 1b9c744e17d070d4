package inproc

import (
	"context"
	"fmt"
	"time"

	"github.com/whaleim/whaleim/im-common/backoff"
	"github.com/whaleim/whaleim/im-common/mq"
)

// Consume delivers the messages of queue to h one at a time, in queue
// order, until ctx is done (then it returns nil and whatever h had not
// finished goes back to the queue). It waits for the queue to be declared.
// Acks follow mq.Decide. It returns an error matching mq.ErrClosed once
// the broker is closed.
func (b *Broker) Consume(ctx context.Context, queue string, opts mq.ConsumeOptions, h mq.Handler) error {
	opts = opts.WithDefaults()
	return b.consume(ctx, queue, 1, 0, func(ctx context.Context, ms []*message) error { return h(ctx, ms[0].delivery()) },
		opts.DeliveryLimit, opts.RetryDelay)
}

// ConsumeBatch is Consume for batch handlers: it hands h up to MaxBatch
// deliveries, waiting at most MaxWait for a batch to fill after its first
// delivery. Nothing travels ahead of the handler in a process, so Prefetch
// is not used: a batch is taken from the queue when the previous one is
// settled.
func (b *Broker) ConsumeBatch(ctx context.Context, queue string, opts mq.BatchOptions, h mq.BatchHandler) error {
	opts = opts.WithDefaults()
	return b.consume(ctx, queue, opts.MaxBatch, opts.MaxWait, func(ctx context.Context, ms []*message) error {
		ds := make([]mq.Delivery, len(ms))
		for i, m := range ms {
			ds[i] = m.delivery()
		}
		return h(ctx, ds)
	}, opts.DeliveryLimit, opts.RetryDelay)
}

// handler is what a subscription runs on each batch it takes.
type handler func(ctx context.Context, batch []*message) error

// consume runs one subscription until ctx is done or the broker closes.
func (b *Broker) consume(ctx context.Context, name string, maxBatch int, maxWait time.Duration,
	h handler, limit int, retry time.Duration) error {
	q, err := b.waitQueue(ctx, name)
	if err != nil {
		return stopErr(ctx, err)
	}
	if q.def.DeliveryLimit > 0 {
		limit = min(limit, q.def.DeliveryLimit)
	}
	c := b.subscribe(q)
	defer b.unsubscribe(q, c)
	for {
		batch, err := b.collect(ctx, q, c, maxBatch, maxWait)
		if err != nil {
			return stopErr(ctx, err)
		}
		err = callSafely(func() error { return h(ctx, batch) })
		if err != nil && ctx.Err() != nil {
			b.settle(q, c, batch) // stopping: back to the queue, uncounted
			return nil
		}
		b.settleResult(ctx, q, c, batch, err, limit, retry)
	}
}

// stopErr is consume's result: nil when ctx ended it.
func stopErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// settleResult applies the handler's verdict: ack, dead-letter, or requeue
// after the retry pause (dead-lettering those out of attempts).
func (b *Broker) settleResult(ctx context.Context, q *queue, c *consumer, batch []*message, err error, limit int, retry time.Duration) {
	switch mq.Decide(err, 0, limit) {
	case mq.Ack:
		b.finish(q, c, batch, false)
		return
	case mq.Reject:
		b.log.Error("inproc: dead-lettering batch", "queue", q.def.Name, "size", len(batch), "err", err)
		b.finish(q, c, batch, true)
		return
	}
	b.log.Warn("inproc: handler failed, requeueing", "queue", q.def.Name, "size", len(batch), "attempt", batch[0].failures+1, "err", err)
	_ = backoff.Sleep(ctx, retry) // a stop during the pause still requeues below
	var again, dead []*message
	for _, m := range batch {
		if m.failures+1 >= limit {
			dead = append(dead, m)
			continue
		}
		m.failures++
		again = append(again, m)
	}
	b.finish(q, c, dead, true)
	b.settle(q, c, again)
}

// settle returns requeue to q (in id order) and releases them from c.
func (b *Broker) settle(q *queue, c *consumer, requeue []*message) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c.unacked -= len(requeue)
	if len(requeue) > 0 {
		q.requeue(requeue)
	}
}

// finish removes ms for good: acked, or dead-lettered when dead.
func (b *Broker) finish(q *queue, c *consumer, ms []*message, dead bool) {
	if len(ms) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	c.unacked -= len(ms)
	if dead {
		for _, m := range ms {
			b.log.Error("inproc: dead-lettering delivery", "queue", q.def.Name, "message_id", m.pub.MessageID, "attempt", m.failures+1)
		}
	}
	b.remove(q, ms, dead)
}

// collect blocks until c may receive and q has messages, then gathers up
// to n, waiting at most maxWait for more after the first.
func (b *Broker) collect(ctx context.Context, q *queue, c *consumer, n int, maxWait time.Duration) ([]*message, error) {
	var got []*message
	var deadline <-chan time.Time
	for {
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			b.settle(q, c, got)
			return nil, errClosed
		}
		if q.active(c) {
			more, expired := q.take(c, n-len(got), time.Now())
			got = append(got, more...)
			if len(expired) > 0 {
				b.remove(q, expired, true)
			}
		}
		signal := q.signal
		b.mu.Unlock()
		if len(got) == n || (len(got) > 0 && maxWait <= 0) {
			return got, nil
		}
		if len(got) > 0 && deadline == nil {
			t := time.NewTimer(maxWait)
			defer t.Stop()
			deadline = t.C
		}
		select {
		case <-signal:
		case <-deadline:
			return got, nil
		case <-ctx.Done():
			b.settle(q, c, got)
			return nil, ctx.Err()
		}
	}
}

// subscribe adds c to q's consumers.
func (b *Broker) subscribe(q *queue) *consumer {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := &consumer{}
	q.consumers = append(q.consumers, c)
	q.notify()
	return c
}

// unsubscribe removes c; on a SingleActive queue the next consumer takes
// over (and gets whatever c left unacked, which settle already requeued).
func (b *Broker) unsubscribe(q *queue, c *consumer) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, x := range q.consumers {
		if x == c {
			q.consumers = append(q.consumers[:i], q.consumers[i+1:]...)
			break
		}
	}
	if len(q.consumers) == 0 {
		q.idleSince = time.Now()
	}
	q.notify()
}

// callSafely runs f and turns a panic into an error, so a handler bug
// counts as a failed attempt instead of killing the process on every
// redelivery.
func callSafely(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("inproc: handler panicked: %v", r)
		}
	}()
	return f()
}
