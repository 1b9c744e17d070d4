package gateway

import (
	"sync"
	"time"
)

// bucket is a token bucket refilled continuously at rate tokens per second
// up to burst. Its tokens go below zero while readers wait for tokens they
// reserved.
type bucket struct {
	tokens float64
	last   time.Time
}

// reserve refills b for the time since its last use and takes one token,
// borrowing it when none is left. It returns how long the caller must wait
// until the token exists, or false (taking nothing) when that is longer
// than maxWait.
func (b *bucket) reserve(now time.Time, rate, burst float64, maxWait time.Duration) (time.Duration, bool) {
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	wait := time.Duration((1 - b.tokens) / rate * float64(time.Second))
	if wait > maxWait {
		return 0, false
	}
	b.tokens--
	return wait, true
}

// userKey names a user across apps.
type userKey struct {
	app  uint32
	user string
}

// limiter holds one bucket per user that used it recently on this node.
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

// reserve takes one token of the user's bucket and returns how long to
// wait before using it; false when the wait would exceed maxWait.
func (l *limiter) reserve(app uint32, user string, now time.Time, maxWait time.Duration) (time.Duration, bool) {
	if l.rate <= 0 {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.users[userKey{app, user}]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.users[userKey{app, user}] = b
	}
	return b.reserve(now, l.rate, l.burst, maxWait)
}

// prune drops buckets that have refilled completely: forgetting them
// changes nothing, since a new bucket starts full.
func (l *limiter) prune(now time.Time) {
	if l.rate <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, b := range l.users {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.users, k)
		}
	}
}
