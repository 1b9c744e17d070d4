package redisdb

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// ClaimNonce remembers random as used by identifier's admin calls for ttl
// (SET NX PX) and reports whether it was fresh. ttl is the remaining
// lifetime of the sign that carried it: once the sign expires, a replay is
// refused by the sign check, so the key may go.
func (c *Client) ClaimNonce(ctx context.Context, appID uint32, identifier, random string, ttl time.Duration) (bool, error) {
	fresh, err := c.rdb.SetNX(ctx, NonceKey(appID, identifier, random), 1, max(ttl, time.Second)).Result()
	if err != nil {
		return false, fmt.Errorf("redis: admin nonce: %w", err)
	}
	return fresh, nil
}

// NonceKey is the Redis key of an admin call's random: identifier has no
// ':' (ident.ValidID), so the key is unambiguous.
func NonceKey(appID uint32, identifier, random string) string {
	return strconv.FormatUint(uint64(appID), 10) + ":adminNonce:" + identifier + ":" + random
}
