package rabbit

import (
	"context"
	"math/rand/v2"
	"time"
)

// backoff returns the pause before retry number attempt (0-based): the
// ceiling doubles from lo up to hi, and the result is drawn uniformly from
// [ceiling/2, ceiling] so that many processes cut off by the same broker
// restart do not reconnect in lockstep.
func backoff(attempt int, lo, hi time.Duration) time.Duration {
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

// sleep waits for d or until ctx is done, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
