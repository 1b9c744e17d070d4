// Package backoff spaces out retries: a jittered exponential pause and a
// sleep that gives up when its context ends. The RabbitMQ client's reconnects
// and the message store's write retries share it, so every retry loop in the
// system backs off the same way.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Delay returns the pause before retry number attempt (0-based): the
// ceiling doubles from lo up to hi, and the result is drawn uniformly from
// [ceiling/2, ceiling] so that many processes cut off by the same outage
// (a broker or database restart) do not retry in lockstep.
func Delay(attempt int, lo, hi time.Duration) time.Duration {
	ceiling := max(lo, time.Millisecond)
	hi = max(hi, ceiling)
	for range attempt {
		if ceiling >= hi/2 {
			ceiling = hi
			break
		}
		ceiling *= 2
	}
	half := ceiling / 2
	return half + rand.N(ceiling-half+1)
}

// Sleep waits for d or until ctx is done, whichever comes first; it returns
// ctx's error when it gave up early.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
