package group

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/whaleim/whaleim/im-common/errcode"
)

// Versions is the cross-node invalidation of the membership cache
// (redisdb.Client): a per-group token that every change replaces. A node
// reuses its snapshot of a group only while the token it was loaded under
// is still current, so one Redis GET replaces the MySQL queries per send.
type Versions interface {
	GroupVersion(ctx context.Context, appID uint32, groupID string) (string, error)
	BumpGroupVersion(ctx context.Context, appID uint32, groupID string) error
}

// Cache bounds. maxAge also bounds staleness if a token bump is lost (Redis
// down when the change committed).
const (
	cacheEntries = 10000
	cacheMaxAge  = 30 * time.Second
)

// snapshot is what a group send needs, loaded from the store.
type snapshot struct {
	found   bool
	group   Group
	members map[string]Member // current members
	ids     []string          // sorted
	version string
	loaded  time.Time
}

type cacheKey struct {
	app   uint32
	group string
}

// cache holds group snapshots per node.
type cache struct {
	versions Versions
	load     func(ctx context.Context, appID uint32, groupID string) (*snapshot, error)
	log      *slog.Logger
	now      func() time.Time
	flight   singleflight.Group

	mu      sync.Mutex
	entries map[cacheKey]*snapshot
}

func newCache(v Versions, load func(context.Context, uint32, string) (*snapshot, error), log *slog.Logger) *cache {
	return &cache{versions: v, load: load, log: log, now: time.Now, entries: map[cacheKey]*snapshot{}}
}

// get returns a current snapshot of the group. The version is read before
// loading, so a change committed during the load leaves a snapshot tagged
// with the older token, which the next get replaces.
func (c *cache) get(ctx context.Context, appID uint32, groupID string) (*snapshot, error) {
	key := cacheKey{appID, groupID}
	v, err := c.versions.GroupVersion(ctx, appID, groupID)
	if err != nil {
		// Degrade to the source of truth rather than trust the cache blindly.
		c.log.WarnContext(ctx, "group cache version unavailable, reading MySQL", "app", appID, "group", groupID, "err", err)
		return c.load(ctx, appID, groupID)
	}
	c.mu.Lock()
	e := c.entries[key]
	c.mu.Unlock()
	if e != nil && e.version == v && c.now().Sub(e.loaded) < cacheMaxAge {
		return e, nil
	}
	flightKey := strconv.FormatUint(uint64(appID), 10) + "/" + groupID + "/" + v
	got, err, _ := c.flight.Do(flightKey, func() (any, error) {
		snap, err := c.load(ctx, appID, groupID)
		if err != nil {
			return nil, err
		}
		snap.version, snap.loaded = v, c.now()
		c.put(key, snap)
		return snap, nil
	})
	if err != nil {
		return nil, err
	}
	return got.(*snapshot), nil
}

func (c *cache) put(key cacheKey, snap *snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= cacheEntries {
		for k := range c.entries { // evict an arbitrary entry
			delete(c.entries, k)
			break
		}
	}
	c.entries[key] = snap
}

// invalidate drops this node's snapshot and replaces the group's token so
// other nodes drop theirs.
func (c *cache) invalidate(ctx context.Context, appID uint32, groupID string) {
	c.mu.Lock()
	delete(c.entries, cacheKey{appID, groupID})
	c.mu.Unlock()
	if err := c.versions.BumpGroupVersion(ctx, appID, groupID); err != nil {
		c.log.WarnContext(ctx, "group cache bump failed; other nodes may use a stale snapshot up to the max age",
			"app", appID, "group", groupID, "err", err)
	}
}

func (s *Service) loadSnapshot(ctx context.Context, appID uint32, groupID string) (*snapshot, error) {
	st, err := s.load(ctx, appID, groupID)
	if errcodeIs(err, errcode.GroupNotFound) {
		return &snapshot{}, nil // cached too: sends to unknown groups cost no query
	}
	if err != nil {
		return nil, err
	}
	snap := &snapshot{found: true, group: st.Group, members: make(map[string]Member, len(st.Members))}
	for id, m := range st.Members {
		snap.members[id] = *m
	}
	snap.ids = current(st.Members)
	return snap, nil
}

// SendCheck is the message core's check before every group send: it
// returns the current member ids (sorted, the sender included; the caller
// owns the slice) or GroupNotFound, GroupDestroyed, NotGroupMember,
// GroupMuted (the whole group is muted and userID is neither owner nor
// manager) or MemberMuted (userID's speakDate is in the future). It is
// served from the per-node cache, invalidated on every group change.
func (s *Service) SendCheck(ctx context.Context, appID uint32, groupID, userID string) ([]string, error) {
	snap, err := s.member(ctx, appID, groupID, userID)
	if err != nil {
		return nil, err
	}
	m := snap.members[userID]
	switch {
	case snap.group.Mute == 1 && m.Role != RoleOwner && m.Role != RoleManager:
		return nil, errcode.GroupMuted
	case m.SpeakDate > s.nowMs():
		return nil, errcode.MemberMuted.With("until " + strconv.FormatInt(m.SpeakDate, 10))
	}
	return slices.Clone(snap.ids), nil
}

// Members returns the current member ids of a live group (cached), for
// fan-out; GroupNotFound or GroupDestroyed otherwise.
func (s *Service) Members(ctx context.Context, appID uint32, groupID string) ([]string, error) {
	snap, err := s.live(ctx, appID, groupID)
	if err != nil {
		return nil, err
	}
	return slices.Clone(snap.ids), nil
}

// MemberSince returns when userID (re)joined the group, unix ms, for
// history visibility: a member reads the group's messages sent at or after
// it; someone who left (or never joined) reads none (NotGroupMember).
func (s *Service) MemberSince(ctx context.Context, appID uint32, groupID, userID string) (int64, error) {
	snap, err := s.member(ctx, appID, groupID, userID)
	if err != nil {
		return 0, err
	}
	return snap.members[userID].JoinTime, nil
}

func (s *Service) live(ctx context.Context, appID uint32, groupID string) (*snapshot, error) {
	if err := ValidID("groupId", groupID); err != nil {
		return nil, err
	}
	snap, err := s.cache.get(ctx, appID, groupID)
	switch {
	case err != nil:
		return nil, err
	case !snap.found:
		return nil, errcode.GroupNotFound
	case snap.group.Status == StatusDestroyed:
		return nil, errcode.GroupDestroyed
	}
	return snap, nil
}

func (s *Service) member(ctx context.Context, appID uint32, groupID, userID string) (*snapshot, error) {
	snap, err := s.live(ctx, appID, groupID)
	if err != nil {
		return nil, err
	}
	if _, ok := snap.members[userID]; !ok {
		return nil, errcode.NotGroupMember
	}
	return snap, nil
}

// View is one user's view of a group for the message core (cached like
// SendCheck): the facts without the decision.
type View struct {
	Found     bool
	Destroyed bool
	Muted     bool     // the whole group: only the owner and managers speak
	Member    *Member  // userID's membership; nil when not a current member
	Members   []string // current member ids, sorted; the caller owns the slice
}

// View returns what SendCheck decides from, for callers that decide
// themselves. A missing group is Found false, not an error.
func (s *Service) View(ctx context.Context, appID uint32, groupID, userID string) (View, error) {
	if err := ValidID("groupId", groupID); err != nil {
		return View{}, err
	}
	snap, err := s.cache.get(ctx, appID, groupID)
	if err != nil || !snap.found {
		return View{}, err
	}
	v := View{Found: true, Destroyed: snap.group.Status == StatusDestroyed, Muted: snap.group.Mute == 1,
		Members: slices.Clone(snap.ids)}
	if m, ok := snap.members[userID]; ok {
		v.Member = &m
	}
	return v, nil
}

// JoinedIDs lists the live groups userID currently belongs to (history
// listing; not cached).
func (s *Service) JoinedIDs(ctx context.Context, appID uint32, userID string) ([]string, error) {
	return s.store.JoinedGroupIDs(ctx, appID, userID)
}
