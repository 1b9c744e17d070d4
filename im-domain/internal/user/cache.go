package user

import (
	"context"
	"strconv"
	"time"

	"github.com/whaleim/whaleim/im-common/errcode"
)

// The user cache: the message core asks One for the sender and the
// receiver of every message, so answers (absence included) are kept per
// node for cacheTTL. Import, Modify and Delete drop the users they change
// here at once and on the other nodes through the bus; the TTL bounds the
// staleness of an invalidation that was lost.
const (
	CacheTopic   = "user"
	cacheTTL     = time.Minute
	cacheEntries = 200_000
)

// cached is one answer of the store: a live user, or none.
type cached struct {
	u     User
	found bool
}

func cacheKey(appID uint32, id string) string {
	return strconv.FormatUint(uint64(appID), 10) + ":" + id
}

// One returns a live user or errcode.UserNotFound (cached).
func (s *Service) One(ctx context.Context, appID uint32, id string) (User, error) {
	k := cacheKey(appID, id)
	c, ok, epoch := s.cache.Get(k)
	if !ok {
		found, _, err := s.Get(ctx, appID, []string{id})
		if err != nil {
			return User{}, err
		}
		c = cached{found: len(found) > 0}
		if c.found {
			c.u = found[0]
		}
		s.cache.Put(k, c, epoch)
	}
	if !c.found {
		return User{}, errcode.UserNotFound.With(id)
	}
	return c.u, nil
}

// changed drops the users ids of appID from every node's cache.
func (s *Service) changed(ctx context.Context, appID uint32, ids ...string) {
	for _, id := range ids {
		s.cache.Invalidate(ctx, cacheKey(appID, id))
	}
}
