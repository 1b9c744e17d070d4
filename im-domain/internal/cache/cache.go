// Package cache is the domain's per-node memory of hot facts (users,
// friend relations) that the message core checks on every send. Entries
// live for a bounded TTL; every change a node makes drops the entry at
// once on that node and, through the invalidation bus (redisdb.Bus), on
// the others. The TTL is the backstop for an invalidation that was lost.
package cache

import (
	"sync"
	"time"
)

// Map is a bounded TTL map. Its epoch counts invalidations: a reader notes
// it before loading from the source and stores the answer only if no
// invalidation happened meanwhile, so a change committed during the load
// cannot be hidden behind the older answer.
type Map[K comparable, V any] struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	now   func() time.Time
	epoch uint64
	m     map[K]entry[V]
}

type entry[V any] struct {
	v       V
	expires time.Time
}

// New returns a Map keeping entries for ttl, at most max of them (when
// full, expired entries go, and if none did, all).
func New[K comparable, V any](ttl time.Duration, max int, now func() time.Time) *Map[K, V] {
	return &Map[K, V]{ttl: ttl, max: max, now: now, m: map[K]entry[V]{}}
}

// Get returns the live entry of k and the epoch to pass to Put.
func (c *Map[K, V]) Get(k K) (V, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if ok && !c.now().Before(e.expires) {
		delete(c.m, k)
		ok = false
	}
	return e.v, ok, c.epoch
}

// Put stores v under k unless an invalidation happened since epoch.
func (c *Map[K, V]) Put(k K, v V, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return
	}
	now := c.now()
	if len(c.m) >= c.max {
		for key, old := range c.m {
			if !now.Before(old.expires) {
				delete(c.m, key)
			}
		}
		if len(c.m) >= c.max {
			clear(c.m)
		}
	}
	c.m[k] = entry[V]{v: v, expires: now.Add(c.ttl)}
}

// Drop forgets k.
func (c *Map[K, V]) Drop(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, k)
	c.epoch++
}

// Clear forgets everything (an invalidation may have been missed).
func (c *Map[K, V]) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
	c.epoch++
}

// Len is the number of entries held, expired ones included.
func (c *Map[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
