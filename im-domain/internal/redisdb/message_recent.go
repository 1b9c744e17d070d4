package redisdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/message"
)

// Recent remembers the identity of accepted messages (message.Recent) under
// two keys, by server key and by (conversation, seq), for ttl: long enough
// to cover the store's lag behind the up-ACK.
type Recent struct {
	rdb redis.UniversalClient
	ttl time.Duration
}

var _ message.Recent = (*Recent)(nil)

// NewRecent returns the recent-message record; ttl <= 0 means 10 minutes.
func (c *Client) NewRecent(ttl time.Duration) *Recent {
	if ttl <= 0 {
		ttl = 10 * time.Minute
	}
	return &Recent{rdb: c.rdb, ttl: ttl}
}

func recentKeyKey(appID uint32, key int64) string {
	return strconv.FormatUint(uint64(appID), 10) + ":msgRecent:k:" + strconv.FormatInt(key, 10)
}

func recentSeqKey(appID uint32, conversation string, seq int64) string {
	return strconv.FormatUint(uint64(appID), 10) + ":msgRecent:s:" + conversation + ":" + strconv.FormatInt(seq, 10)
}

// RememberAll implements message.Recent: two keys per message, all in one
// pipeline (not a MULTI: the keys may live on different cluster slots).
func (r *Recent) RememberAll(ctx context.Context, ms []mq.Message) error {
	pipe := r.rdb.Pipeline()
	for i := range ms {
		m := &ms[i]
		raw, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("redis: remember message: %w", err)
		}
		pipe.Set(ctx, recentKeyKey(m.AppID, m.MessageKey), raw, r.ttl)
		pipe.Set(ctx, recentSeqKey(m.AppID, m.ConversationID, m.Seq), raw, r.ttl)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("redis: remember messages: %w", err)
	}
	return nil
}

// ByKey implements message.Recent.
func (r *Recent) ByKey(ctx context.Context, appID uint32, key int64) (mq.Message, bool, error) {
	return r.get(ctx, recentKeyKey(appID, key))
}

// BySeq implements message.Recent.
func (r *Recent) BySeq(ctx context.Context, appID uint32, conversation string, seq int64) (mq.Message, bool, error) {
	return r.get(ctx, recentSeqKey(appID, conversation, seq))
}

func (r *Recent) get(ctx context.Context, key string) (mq.Message, bool, error) {
	var m mq.Message
	raw, err := r.rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return m, false, nil
	}
	if err == nil {
		err = json.Unmarshal(raw, &m)
	}
	if err != nil {
		return m, false, fmt.Errorf("redis: recent message: %w", err)
	}
	return m, true, nil
}
