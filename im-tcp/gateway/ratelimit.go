package gateway

import (
	"sync"
	"time"
)

// bucket is a token bucket refilled continuously at rate tokens per second
// up to burst.
type bucket struct {
	tokens float64
	last   time.Time
}

// take refills b for the time since its last use and takes one token.
func (b *bucket) take(now time.Time, rate, burst float64) bool {
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// userKey names a user across apps.
type userKey struct {
	app  uint32
	user string
}

// limiter holds one send bucket per user that sent recently on this node.
// A user's devices on one node share it; nodes do not share buckets, which
// bounds a user to rate x nodes at worst.
type limiter struct {
	rate, burst float64 // rate 0 disables limiting
	mu          sync.Mutex
	users       map[userKey]*bucket
}

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{rate: rate, burst: max(float64(burst), 1), users: make(map[userKey]*bucket)}
}

// allow takes one token of the user's bucket.
func (l *limiter) allow(app uint32, user string, now time.Time) bool {
	if l.rate <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.users[userKey{app, user}]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.users[userKey{app, user}] = b
	}
	return b.take(now, l.rate, l.burst)
}

// prune drops buckets that have refilled completely: forgetting them
// changes nothing, since a new bucket starts full.
func (l *limiter) prune(now time.Time) {
	if l.rate <= 0 {
		return
	}
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, b := range l.users {
		if now.Sub(b.last) >= full {
			delete(l.users, k)
		}
	}
}
