// Package throttle slows down guessing: it counts failures (bad signs, bad
// passwords) per key, such as (IP, appId), and reports a key as blocked
// once it failed Limit times within about Window. Failures leak away at
// Limit per Window, so a blocked key is let through again gradually, and a
// client that fails now and then is never blocked.
//
// State is per process and bounded: at most MaxKeys keys are tracked. When
// the table is full even after forgetting the keys that leaked empty, new
// keys are not tracked (fail open) rather than letting memory grow without
// bound under a flood of distinct keys; the caller's own connection limits
// bound that case.
package throttle

import (
	"sync"
	"time"
)

// DefaultMaxKeys bounds the keys tracked by a Failures built with New.
const DefaultMaxKeys = 100_000

// Failures is a leaky bucket of failures per key. It is safe for
// concurrent use; the zero value is not usable, call New.
type Failures[K comparable] struct {
	limit   float64
	leak    float64 // failures forgotten per second
	maxKeys int

	mu   sync.Mutex
	keys map[K]*level
}

// level is a key's failure count as of last.
type level struct {
	n    float64
	last time.Time
}

// New returns a throttle that blocks a key after limit failures within
// window. limit <= 0 disables it: nothing is ever blocked.
func New[K comparable](limit int, window time.Duration) *Failures[K] {
	f := &Failures[K]{limit: float64(limit), maxKeys: DefaultMaxKeys, keys: make(map[K]*level)}
	if limit > 0 && window > 0 {
		f.leak = float64(limit) / window.Seconds()
	}
	return f
}

// at returns l's count at now.
func (f *Failures[K]) at(l *level, now time.Time) float64 {
	return max(0, l.n-now.Sub(l.last).Seconds()*f.leak)
}

// Blocked reports whether key has failed too often to be heard now: its
// count has not yet leaked below Limit-1, so it stays blocked until one
// whole failure leaked away (Window/Limit).
func (f *Failures[K]) Blocked(key K, now time.Time) bool {
	if f.limit <= 0 {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	l := f.keys[key]
	return l != nil && f.at(l, now) > f.limit-1
}

// Fail records one failure of key and reports whether key is now blocked.
func (f *Failures[K]) Fail(key K, now time.Time) bool {
	if f.limit <= 0 {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	l := f.keys[key]
	if l == nil {
		if len(f.keys) >= f.maxKeys {
			f.pruneLocked(now)
		}
		if len(f.keys) >= f.maxKeys {
			return false
		}
		l = &level{last: now}
		f.keys[key] = l
	}
	l.n, l.last = f.at(l, now)+1, now
	return l.n > f.limit-1
}

// Prune forgets the keys whose failures leaked away completely; call it
// now and then (forgetting them changes no answer).
func (f *Failures[K]) Prune(now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pruneLocked(now)
}

func (f *Failures[K]) pruneLocked(now time.Time) {
	for k, l := range f.keys {
		if f.at(l, now) == 0 {
			delete(f.keys, k)
		}
	}
}

// Len returns the number of keys tracked, for metrics and tests.
func (f *Failures[K]) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.keys)
}
