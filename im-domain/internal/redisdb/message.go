package redisdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whaleim/whaleim/im-domain/internal/message"
)

// Dedup is the first message dedup layer: one key per (app, sender,
// messageId) holding the attempt's state (message.Entry).
type Dedup struct {
	rdb redis.UniversalClient
	// TTLs per state: a pending claim must expire soon if its owner dies;
	// a done entry answers resends for the dedup window (after it, MySQL's
	// unique sender key still answers).
	pendingTTL, doneTTL time.Duration
}

var _ message.Dedup = (*Dedup)(nil)

// NewDedup returns the dedup store; doneTTL <= 0 means 24h.
func (c *Client) NewDedup(doneTTL time.Duration) *Dedup {
	if doneTTL <= 0 {
		doneTTL = 24 * time.Hour
	}
	return &Dedup{rdb: c.rdb, pendingTTL: time.Minute, doneTTL: doneTTL}
}

func dedupKey(appID uint32, fromID, messageID string) string {
	return strconv.FormatUint(uint64(appID), 10) + ":msgDedup:" + strconv.Itoa(len(fromID)) + ":" + fromID + ":" + messageID
}

func (d *Dedup) ttl(s message.State) time.Duration {
	if s == message.Done {
		return d.doneTTL
	}
	return d.pendingTTL
}

// Claim implements message.Dedup with SET NX.
func (d *Dedup) Claim(ctx context.Context, appID uint32, fromID, messageID string, e message.Entry) (message.Entry, bool, error) {
	raw, err := json.Marshal(e)
	if err != nil {
		return e, false, err
	}
	ok, err := d.rdb.SetNX(ctx, dedupKey(appID, fromID, messageID), raw, d.ttl(e.State)).Result()
	if err != nil {
		return e, false, fmt.Errorf("redis: dedup claim: %w", err)
	}
	if ok {
		return e, true, nil
	}
	old, found, err := d.Get(ctx, appID, fromID, messageID)
	if err == nil && !found { // expired between SET NX and GET: try once more
		return d.Claim(ctx, appID, fromID, messageID, e)
	}
	return old, false, err
}

// Get implements message.Dedup.
func (d *Dedup) Get(ctx context.Context, appID uint32, fromID, messageID string) (message.Entry, bool, error) {
	raw, err := d.rdb.Get(ctx, dedupKey(appID, fromID, messageID)).Bytes()
	if errors.Is(err, redis.Nil) {
		return message.Entry{}, false, nil
	}
	if err != nil {
		return message.Entry{}, false, fmt.Errorf("redis: dedup get: %w", err)
	}
	var e message.Entry
	if err := json.Unmarshal(raw, &e); err != nil {
		return e, false, fmt.Errorf("redis: dedup entry: %w", err)
	}
	return e, true, nil
}

// Save implements message.Dedup.
func (d *Dedup) Save(ctx context.Context, appID uint32, fromID, messageID string, e message.Entry) error {
	raw, err := json.Marshal(e)
	if err == nil {
		err = d.rdb.Set(ctx, dedupKey(appID, fromID, messageID), raw, d.ttl(e.State)).Err()
	}
	if err != nil {
		return fmt.Errorf("redis: dedup save: %w", err)
	}
	return nil
}

// Release implements message.Dedup.
func (d *Dedup) Release(ctx context.Context, appID uint32, fromID, messageID string) error {
	if err := d.rdb.Del(ctx, dedupKey(appID, fromID, messageID)).Err(); err != nil {
		return fmt.Errorf("redis: dedup release: %w", err)
	}
	return nil
}
