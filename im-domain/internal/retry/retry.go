// Package retry is the delivery loop the webhook and offline-push queues
// share: competing consumers of a durable queue, where a failed attempt is
// published again with a due time (its backoff) and the consumer that
// takes it waits for that time. Keeping the attempt and the due time in
// the message means a node restart loses neither.
package retry

import (
	"context"
	"errors"
	"time"

	"github.com/whaleim/whaleim/im-common/backoff"
	"github.com/whaleim/whaleim/im-common/mq"
)

// Policy tunes a delivery loop; zero fields take the defaults.
type Policy struct {
	Workers     int           // deliveries a node makes at once; default 8
	MaxAttempts int           // attempts per item, the first included; default 10
	BaseBackoff time.Duration // wait before the 2nd attempt, doubled each time; default 1s
	MaxBackoff  time.Duration // default 5m
}

// Defaults of Policy.
const (
	DefaultWorkers     = 8
	DefaultMaxAttempts = 10
	DefaultBaseBackoff = time.Second
	DefaultMaxBackoff  = 5 * time.Minute
)

// WithDefaults returns p with its zero fields set.
func (p Policy) WithDefaults() Policy {
	if p.Workers <= 0 {
		p.Workers = DefaultWorkers
	}
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.BaseBackoff <= 0 {
		p.BaseBackoff = DefaultBaseBackoff
	}
	if p.MaxBackoff < p.BaseBackoff {
		p.MaxBackoff = max(DefaultMaxBackoff, p.BaseBackoff)
	}
	return p
}

// Due is when the attempt after attempt (1-based) is due, in unix
// milliseconds: the jittered exponential backoff from now.
func (p Policy) Due(attempt int, now time.Time) int64 {
	return now.Add(backoff.Delay(attempt-1, p.BaseBackoff, p.MaxBackoff)).UnixMilli()
}

// Consume runs p.Workers competing consumers of queue, one delivery each
// at a time (an item waiting for its due time holds one worker; the queue
// keeps the rest), until ctx ends.
func (p Policy) Consume(ctx context.Context, q mq.Consumer, queue string, h mq.Handler) error {
	errs := make(chan error, p.Workers)
	for range p.Workers {
		go func() { errs <- q.Consume(ctx, queue, mq.ConsumeOptions{Prefetch: 1}, h) }()
	}
	var err error
	for range p.Workers {
		err = errors.Join(err, <-errs)
	}
	return err
}

// WaitDue waits until due (unix milliseconds; 0 is now) or ctx ends.
func WaitDue(ctx context.Context, due int64, now time.Time) error {
	if wait := time.UnixMilli(due).Sub(now); due > 0 && wait > 0 {
		return backoff.Sleep(ctx, wait)
	}
	return nil
}

// publishTimeout bounds a detached publish.
const publishTimeout = 10 * time.Second

// Publish publishes msg detached from ctx's end: once an attempt was made,
// a stop must not leave its retry unstored while the attempt itself is
// delivered again, which would fork the item's retries.
func Publish(ctx context.Context, p mq.Publisher, exchange, key string, msg mq.Publishing) error {
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	return p.Publish(pctx, exchange, key, msg)
}
