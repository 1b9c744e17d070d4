package friend

import (
	"context"
	"sync"
	"time"
)

// DefaultRelationTTL is how long a Relation answer is reused.
const DefaultRelationTTL = 5 * time.Second

// maxRelationEntries bounds the cache's memory (about 100 bytes a pair).
const maxRelationEntries = 100_000

// Relation is the message core's per-send check: friend reports a mutual
// friendship (from->to and to->from both normal, as WhaleShark's send
// check), blocked reports that to has blacklisted from.
//
// The cache. Answers are kept in memory per unordered pair for the TTL
// (default 5 s), so a burst of messages between two users costs one MySQL
// read. Every change this node makes to a pair (add, approve, delete,
// delete all, block, unblock, import) drops the pair at once, so on this
// node a change is seen by the next send. Another domain node sees it
// within the TTL: that bounded staleness is the price of not asking MySQL
// (or Redis) on every send. A read racing with a change never stores its
// possibly stale answer (see relationCache.epoch). The cache holds at most
// 100k pairs; when full, expired pairs are dropped, and if none are, the
// whole cache.
func (s *Service) Relation(ctx context.Context, appID uint32, from, to string) (friend, blocked bool, err error) {
	k := keyOf(appID, from, to)
	e, ok, epoch := s.cache.get(k)
	if !ok {
		out, in, err := s.store.FriendEdges(ctx, appID, from, []string{to})
		if err != nil {
			return false, false, err
		}
		e = pairEntry{}
		e.set(from, to, out[to])
		e.set(to, from, in[to])
		s.cache.put(k, e, epoch)
	}
	ft, tf := e.dir(k, from), e.dir(k, to)
	return ft.status == StatusNormal && tf.status == StatusNormal, tf.black == BlackBlocked, nil
}

type pairKey struct {
	app  uint32
	a, b string // a < b
}

func keyOf(appID uint32, x, y string) pairKey {
	if x > y {
		x, y = y, x
	}
	return pairKey{app: appID, a: x, b: y}
}

type edge struct{ status, black int }

// pairEntry holds a->b and b->a of a pairKey.
type pairEntry struct {
	ab, ba  edge
	expires time.Time
}

// set stores the row from->to into the entry of keyOf(from, to).
func (e *pairEntry) set(from, to string, f Friendship) {
	ed := edge{status: f.Status, black: f.Black}
	if from < to {
		e.ab = ed
	} else {
		e.ba = ed
	}
}

// dir returns the edge starting at from.
func (e pairEntry) dir(k pairKey, from string) edge {
	if from == k.a {
		return e.ab
	}
	return e.ba
}

// relationCache is a TTL map of pair relations. epoch counts
// invalidations: a reader notes it before querying MySQL and stores its
// answer only if no invalidation happened meanwhile, so a change committed
// during the read cannot be hidden by the older answer.
type relationCache struct {
	mu    sync.Mutex
	ttl   time.Duration
	now   func() time.Time
	epoch uint64
	m     map[pairKey]pairEntry
}

func newRelationCache(ttl time.Duration, now func() time.Time) *relationCache {
	return &relationCache{ttl: ttl, now: now, m: map[pairKey]pairEntry{}}
}

func (c *relationCache) get(k pairKey) (pairEntry, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if ok && !c.now().Before(e.expires) {
		delete(c.m, k)
		ok = false
	}
	return e, ok, c.epoch
}

func (c *relationCache) put(k pairKey, e pairEntry, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return
	}
	now := c.now()
	if len(c.m) >= maxRelationEntries {
		for key, old := range c.m {
			if !now.Before(old.expires) {
				delete(c.m, key)
			}
		}
		if len(c.m) >= maxRelationEntries {
			clear(c.m)
		}
	}
	e.expires = now.Add(c.ttl)
	c.m[k] = e
}

func (c *relationCache) invalidate(appID uint32, x, y string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, keyOf(appID, x, y))
	c.epoch++
}
