package rabbit

import (
	"context"
	"errors"
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/whaleim/whaleim/im-common/backoff"
	"github.com/whaleim/whaleim/im-common/mq"
)

// Consume delivers the messages of queue to h one at a time, in queue order,
// with manual acks, until ctx is done; then it returns nil and the broker
// requeues whatever was not acked. It survives reconnects by subscribing
// again. It returns ErrClosed when Run has returned. For parallelism run
// several Consume calls (each gets its own channel); on a single-active-
// consumer queue only one of them receives at a time.
func (c *Conn) Consume(ctx context.Context, queue string, opts mq.ConsumeOptions, h mq.Handler) error {
	opts = opts.WithDefaults()
	a := newAttempts() // outlives subscriptions: redeliveries after a reconnect keep their count
	return c.consumeLoop(ctx, queue, opts.Prefetch, func(ctx context.Context, deliveries <-chan amqp.Delivery) error {
		for {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case d, ok := <-deliveries:
				if !ok {
					return errStreamClosed
				}
				if err := c.handleOne(ctx, queue, d, a, opts, h); err != nil {
					return err
				}
			}
		}
	})
}

// handleOne runs h on d and settles d. An error means the channel is
// unusable or ctx is done.
func (c *Conn) handleOne(ctx context.Context, queue string, d amqp.Delivery, a *attempts, o mq.ConsumeOptions, h mq.Handler) error {
	attempt := a.of(d)
	err := callSafely(func() error { return h(ctx, toDelivery(d, attempt)) })
	if err != nil && ctx.Err() != nil {
		return ctx.Err() // stopping: the channel close requeues it, uncounted
	}
	switch mq.Decide(err, attempt, o.DeliveryLimit) {
	case mq.Ack:
		a.forget(d)
		return d.Ack(false)
	case mq.Reject:
		a.forget(d)
		c.log.Error("rabbit: dead-lettering delivery", "queue", queue, "message_id", d.MessageId, "attempt", attempt, "err", err)
		return d.Reject(false)
	default:
		a.fail(d)
		c.log.Warn("rabbit: handler failed, requeueing", "queue", queue, "message_id", d.MessageId, "attempt", attempt, "err", err)
		if err := backoff.Sleep(ctx, o.RetryDelay); err != nil {
			return err
		}
		return d.Nack(false, true)
	}
}

// consumeLoop subscribes to queue and runs serve on the delivery stream,
// subscribing again with backoff whenever the stream ends, until ctx is done.
func (c *Conn) consumeLoop(ctx context.Context, queue string, prefetch int, serve func(context.Context, <-chan amqp.Delivery) error) error {
	attempt := 0
	for {
		ch, deliveries, err := c.subscribe(ctx, queue, prefetch)
		if err == nil {
			attempt = 0
			if c.subscribed != nil {
				c.subscribed(queue)
			}
			err = serve(ctx, deliveries)
			_ = ch.Close() // requeues unacked deliveries; fails harmlessly if the connection is gone
		}
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, ErrClosed) {
			return err
		}
		c.log.Warn("rabbit: consumer interrupted, subscribing again", "queue", queue, "err", err)
		if backoff.Sleep(ctx, backoff.Delay(attempt, c.opts.minBackoff, c.opts.maxBackoff)) != nil {
			return nil
		}
		attempt++
	}
}

func (c *Conn) subscribe(ctx context.Context, queue string, prefetch int) (*amqp.Channel, <-chan amqp.Delivery, error) {
	ch, err := c.channel(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := ch.Qos(prefetch, 0, false); err != nil {
		_ = ch.Close()
		return nil, nil, fmt.Errorf("rabbit: set prefetch on %q: %w", queue, err)
	}
	deliveries, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		_ = ch.Close()
		return nil, nil, fmt.Errorf("rabbit: consume %q: %w", queue, err)
	}
	return ch, deliveries, nil
}

// callSafely runs f and turns a panic into an error, so a handler bug counts
// as a failed attempt and ends in the dead-letter queue instead of killing
// the process on every redelivery.
func callSafely(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("rabbit: handler panicked: %v", r)
		}
	}()
	return f()
}

func toDelivery(d amqp.Delivery, attempt int) mq.Delivery {
	h := map[string]any(d.Headers)
	delete(h, tagHeader)
	return mq.Delivery{
		Body:        d.Body,
		ContentType: d.ContentType,
		MessageID:   d.MessageId,
		Type:        d.Type,
		Headers:     h,
		Exchange:    d.Exchange,
		RoutingKey:  d.RoutingKey,
		Redelivered: d.Redelivered,
		Attempt:     attempt,
	}
}
