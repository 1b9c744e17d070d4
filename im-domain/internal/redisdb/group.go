package redisdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/whaleim/whaleim/im-domain/internal/group"
)

var _ group.Versions = (*Client)(nil)

// groupVersionKey holds a random token replaced on every change of the
// group, so each domain node can tell whether its cached membership
// snapshot is current. A random token rather than INCR: a flushed counter
// would restart and could match a stale snapshot's number again.
func groupVersionKey(appID uint32, groupID string) string {
	return strconv.FormatUint(uint64(appID), 10) + ":groupVersion:" + groupID
}

// GroupVersion implements group.Versions; "" when the group never changed
// since Redis started.
func (c *Client) GroupVersion(ctx context.Context, appID uint32, groupID string) (string, error) {
	v, err := c.rdb.Get(ctx, groupVersionKey(appID, groupID)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("redis: group version: %w", err)
	}
	return v, nil
}

// BumpGroupVersion implements group.Versions.
func (c *Client) BumpGroupVersion(ctx context.Context, appID uint32, groupID string) error {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	if err := c.rdb.Set(ctx, groupVersionKey(appID, groupID), hex.EncodeToString(b), 0).Err(); err != nil {
		return fmt.Errorf("redis: bump group version: %w", err)
	}
	return nil
}
