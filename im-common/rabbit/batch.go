package rabbit

import (
	"context"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/whaleim/whaleim/im-common/backoff"
	"github.com/whaleim/whaleim/im-common/mq"
)

// ConsumeBatch is Consume for handlers that work in batches (the store's
// multi-row insert): it collects up to MaxBatch deliveries or waits MaxWait,
// calls h, and acks the batch with one multiple ack on its last tag only
// after h returned nil. It blocks until ctx is done and survives reconnects.
func (c *Conn) ConsumeBatch(ctx context.Context, queue string, opts mq.BatchOptions, h mq.BatchHandler) error {
	opts = opts.WithDefaults()
	a := newAttempts()
	return c.consumeLoop(ctx, queue, opts.Prefetch, func(ctx context.Context, deliveries <-chan amqp.Delivery) error {
		for {
			batch, err := collect(ctx, deliveries, opts.MaxBatch, opts.MaxWait)
			if err != nil {
				return err
			}
			if err := c.handleBatch(ctx, queue, batch, a, opts, h); err != nil {
				return err
			}
		}
	})
}

// collect blocks for a first delivery, then gathers more until the batch is
// full or maxWait has passed (negative maxWait: until none is waiting).
func collect(ctx context.Context, deliveries <-chan amqp.Delivery, maxBatch int, maxWait time.Duration) ([]amqp.Delivery, error) {
	var batch []amqp.Delivery
	select {
	case d, ok := <-deliveries:
		if !ok {
			return nil, errStreamClosed
		}
		batch = append(batch, d)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if maxWait < 0 {
		return takeWaiting(deliveries, batch, maxBatch)
	}
	timer := time.NewTimer(maxWait)
	defer timer.Stop()
	for len(batch) < maxBatch {
		select {
		case d, ok := <-deliveries:
			if !ok {
				return nil, errStreamClosed // the batch can no longer be acked; it is redelivered
			}
			batch = append(batch, d)
		case <-timer.C:
			return batch, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return batch, nil
}

// takeWaiting adds the deliveries that already arrived to batch, up to
// maxBatch, without blocking.
func takeWaiting(deliveries <-chan amqp.Delivery, batch []amqp.Delivery, maxBatch int) ([]amqp.Delivery, error) {
	for len(batch) < maxBatch {
		select {
		case d, ok := <-deliveries:
			if !ok {
				return nil, errStreamClosed
			}
			batch = append(batch, d)
		default:
			return batch, nil
		}
	}
	return batch, nil
}

// handleBatch runs h on batch and settles it. An error means the channel is
// unusable or ctx is done.
func (c *Conn) handleBatch(ctx context.Context, queue string, batch []amqp.Delivery, a *attempts, o mq.BatchOptions, h mq.BatchHandler) error {
	ds := make([]mq.Delivery, len(batch))
	tries := make([]int, len(batch))
	for i, d := range batch {
		tries[i] = a.of(d)
		ds[i] = toDelivery(d, tries[i])
	}
	err := callSafely(func() error { return h(ctx, ds) })
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	last := batch[len(batch)-1]
	switch mq.Decide(err, 0, o.DeliveryLimit) {
	case mq.Ack:
		forgetAll(a, batch)
		return last.Ack(true)
	case mq.Reject:
		forgetAll(a, batch)
		c.log.Error("rabbit: dead-lettering batch", "queue", queue, "size", len(batch), "err", err)
		return last.Nack(true, false)
	}
	c.log.Warn("rabbit: batch handler failed, requeueing", "queue", queue, "size", len(batch), "err", err)
	if err := backoff.Sleep(ctx, o.RetryDelay); err != nil {
		return err
	}
	return retryEach(c, queue, batch, tries, a, o.DeliveryLimit)
}

// retryEach requeues the deliveries of a failed batch one by one, and
// dead-letters those that used up their attempts.
func retryEach(c *Conn, queue string, batch []amqp.Delivery, tries []int, a *attempts, limit int) error {
	for i, d := range batch {
		if tries[i] >= limit {
			a.forget(d)
			c.log.Error("rabbit: dead-lettering delivery", "queue", queue, "message_id", d.MessageId, "attempt", tries[i])
			if err := d.Reject(false); err != nil {
				return err
			}
			continue
		}
		a.fail(d)
		if err := d.Nack(false, true); err != nil {
			return err
		}
	}
	return nil
}

func forgetAll(a *attempts, batch []amqp.Delivery) {
	for _, d := range batch {
		a.forget(d)
	}
}
