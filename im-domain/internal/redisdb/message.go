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

// ClaimAll implements message.Dedup: SET NX and GET of every key in one
// pipeline; the GET of a key won reads back its own entry.
func (d *Dedup) ClaimAll(ctx context.Context, keys []message.SenderKey, fresh message.Entry) ([]message.Claim, error) {
	raw, err := json.Marshal(fresh)
	if err != nil {
		return nil, err
	}
	pipe := d.rdb.Pipeline()
	sets := make([]*redis.BoolCmd, len(keys))
	gets := make([]*redis.StringCmd, len(keys))
	for i, k := range keys {
		key := dedupKey(k.AppID, k.FromID, k.MessageID)
		sets[i] = pipe.SetNX(ctx, key, raw, d.ttl(fresh.State))
		gets[i] = pipe.Get(ctx, key)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redis: dedup claim: %w", err)
	}
	out := make([]message.Claim, len(keys))
	for i := range keys {
		if err := sets[i].Err(); err != nil {
			return nil, fmt.Errorf("redis: dedup claim: %w", err)
		}
		if sets[i].Val() {
			out[i] = message.Claim{Entry: fresh, Won: true, Found: true}
			continue
		}
		if out[i], err = claimOf(gets[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// claimOf reads the existing entry of a claim that was not won.
func claimOf(get *redis.StringCmd) (message.Claim, error) {
	raw, err := get.Bytes()
	if errors.Is(err, redis.Nil) {
		return message.Claim{}, nil // expired since the SET NX
	}
	var c message.Claim
	if err == nil {
		err = json.Unmarshal(raw, &c.Entry)
	}
	if err != nil {
		return c, fmt.Errorf("redis: dedup entry: %w", err)
	}
	c.Found = true
	return c, nil
}

// Get implements message.Dedup.
func (d *Dedup) Get(ctx context.Context, k message.SenderKey) (message.Entry, bool, error) {
	c, err := claimOf(d.rdb.Get(ctx, dedupKey(k.AppID, k.FromID, k.MessageID)))
	return c.Entry, c.Found, err
}

// SaveAll implements message.Dedup in one pipeline.
func (d *Dedup) SaveAll(ctx context.Context, keys []message.SenderKey, es []message.Entry) error {
	pipe := d.rdb.Pipeline()
	for i, k := range keys {
		raw, err := json.Marshal(es[i])
		if err != nil {
			return err
		}
		pipe.Set(ctx, dedupKey(k.AppID, k.FromID, k.MessageID), raw, d.ttl(es[i].State))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("redis: dedup save: %w", err)
	}
	return nil
}

// ReleaseAll implements message.Dedup with one DEL per key, pipelined (the
// keys may live on different cluster slots).
func (d *Dedup) ReleaseAll(ctx context.Context, keys []message.SenderKey) error {
	pipe := d.rdb.Pipeline()
	for _, k := range keys {
		pipe.Del(ctx, dedupKey(k.AppID, k.FromID, k.MessageID))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("redis: dedup release: %w", err)
	}
	return nil
}
