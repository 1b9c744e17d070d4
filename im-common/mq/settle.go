package mq

import (
	"errors"
	"time"
)

// Verdict is what a consumer does with a delivery after its handler ran.
// Every adapter settles deliveries through Decide, so the ack policy is one
// rule whatever backs the queue.
type Verdict int

// Verdicts.
const (
	Ack     Verdict = iota // processed: remove it
	Reject                 // dead-letter: permanent error or out of attempts
	Requeue                // retry later
)

// Decide maps a handler result to a verdict. attempt is 1-based; limit is
// the number of attempts a message gets before it is dead-lettered.
func Decide(err error, attempt, limit int) Verdict {
	switch {
	case err == nil:
		return Ack
	case errors.Is(err, ErrPermanent), attempt >= limit:
		return Reject
	default:
		return Requeue
	}
}

// retryDefaults fills the poison-message settings both options share.
func retryDefaults(limit int, delay time.Duration) (int, time.Duration) {
	if limit <= 0 {
		limit = DefaultDeliveryLimit
	}
	if delay <= 0 {
		delay = time.Second
	}
	return limit, delay
}

// WithDefaults returns o with its zero fields set to the defaults.
func (o ConsumeOptions) WithDefaults() ConsumeOptions {
	if o.Prefetch <= 0 {
		o.Prefetch = 16
	}
	o.DeliveryLimit, o.RetryDelay = retryDefaults(o.DeliveryLimit, o.RetryDelay)
	return o
}

// WithDefaults returns o with its zero fields set to the defaults.
func (o BatchOptions) WithDefaults() BatchOptions {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 100
	}
	if o.MaxWait == 0 {
		o.MaxWait = 50 * time.Millisecond
	}
	if o.Prefetch <= 0 {
		o.Prefetch = 2 * o.MaxBatch
	}
	o.Prefetch = max(o.Prefetch, o.MaxBatch) // a smaller window could never fill a batch
	o.DeliveryLimit, o.RetryDelay = retryDefaults(o.DeliveryLimit, o.RetryDelay)
	return o
}
