// Package redisdb is the Redis adapter of the domain (go-redis/v9): it
// writes the app cache the gateways read (session.AppKey) and reads the
// device sessions the gateways write (session.Key). Redis holds caches and
// counters only; nothing here is the source of truth.
package redisdb

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-domain/internal/app"
)

// Client wraps a go-redis client.
type Client struct {
	rdb redis.UniversalClient
	// sessionTTL: a device session not refreshed for this long is offline,
	// even if its hash has not expired yet (the TTL covers all devices).
	sessionTTL time.Duration
	// presence is the stream of presence events (session.PresenceStream).
	presence string
	now      func() time.Time
}

// Option changes a Client.
type Option func(*Client)

// PresenceStream makes the client read and write presence events on
// stream instead of session.PresenceStream (tests sharing one Redis).
func PresenceStream(stream string) Option {
	return func(c *Client) {
		if stream != "" {
			c.presence = stream
		}
	}
}

// Open connects to addr and pings it.
func Open(ctx context.Context, addr, password string, db int, sessionTTL time.Duration, opts ...Option) (*Client, error) {
	rdb := redis.NewClient(&redis.Options{Addr: addr, Password: password, DB: db})
	c := Wrap(rdb, sessionTTL, opts...)
	if err := c.Ping(ctx); err != nil {
		rdb.Close()
		return nil, err
	}
	return c, nil
}

// Wrap adopts an existing client (the standalone binary's in-process Redis).
func Wrap(rdb redis.UniversalClient, sessionTTL time.Duration, opts ...Option) *Client {
	c := &Client{rdb: rdb, sessionTTL: sessionTTL, presence: session.PresenceStream, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Redis exposes the underlying client for feature adapters in this package.
func (c *Client) Redis() redis.UniversalClient { return c.rdb }

// Ping checks the connection (readiness probe).
func (c *Client) Ping(ctx context.Context) error {
	if err := c.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: ping: %w", err)
	}
	return nil
}

// Close closes the client.
func (c *Client) Close() error { return c.rdb.Close() }

var _ app.Cache = (*Client)(nil)

// PublishApp writes what gateways need to know about a (secrets and
// multi-device policy) to the app hash.
func (c *Client) PublishApp(ctx context.Context, a *app.App) error {
	var until int64
	if !a.PreviousUntil.IsZero() {
		until = a.PreviousUntil.UnixMilli()
	}
	err := c.rdb.HSet(ctx, session.AppKey(a.ID),
		session.AppFieldSecret, a.Secret,
		session.AppFieldPolicy, strconv.Itoa(int(a.Settings.Policy)),
		session.AppFieldPrevSecret, a.Previous,
		session.AppFieldPrevUntil, strconv.FormatInt(until, 10)).Err()
	if err != nil {
		return fmt.Errorf("redis: publish app %d: %w", a.ID, err)
	}
	return nil
}

// dropUserScript deletes a user's session hash (session.PresenceLua:
// the user's going offline is a presence event).
var dropUserScript = redis.NewScript(session.PresenceLua + `
local before = im_before()
redis.call('DEL', KEYS[1])
im_after(before)
return 1`)

// DropSessions deletes every device session of the users, so they show
// offline at once (their gateways close the connections on a kick).
func (c *Client) DropSessions(ctx context.Context, appID uint32, userIDs []string) error {
	if len(userIDs) == 0 {
		return nil
	}
	pipe := c.rdb.Pipeline()
	for _, u := range userIDs {
		dropUserScript.Eval(ctx, pipe, session.PresenceKeys(c.presence, appID, u),
			session.PresenceArgs(c.now(), c.sessionTTL, device.ID{AppID: appID, UserID: u})...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("redis: drop sessions: %w", err)
	}
	return nil
}

// Online returns the live device sessions of each user that has any.
// Entries not refreshed within the session TTL are ignored, and so are
// malformed ones (a gateway of another version must not break the domain).
func (c *Client) Online(ctx context.Context, appID uint32, userIDs []string) (map[string][]session.Session, error) {
	pipe := c.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(userIDs))
	for i, u := range userIDs {
		cmds[i] = pipe.HGetAll(ctx, session.Key(appID, u))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("redis: sessions: %w", err)
	}
	return c.live(userIDs, cmds), nil
}

// live decodes the session hashes cmds read for users (same order),
// keeping the users with a live, well-formed session.
func (c *Client) live(users []string, cmds []*redis.MapStringStringCmd) map[string][]session.Session {
	now := c.now()
	out := map[string][]session.Session{}
	for i, u := range users {
		for field, raw := range cmds[i].Val() {
			s, ok := decodeSession(field, raw)
			if ok && s.Alive(now, c.sessionTTL) {
				out[u] = append(out[u], s)
			}
		}
	}
	return out
}

func decodeSession(field, raw string) (session.Session, bool) {
	var s session.Session
	if err := json.Unmarshal([]byte(raw), &s); err != nil || s.Broker == "" {
		return s, false
	}
	// The field "{clientType}:{imei}" is authoritative for the device.
	typ, imei, ok := strings.Cut(field, ":")
	n, err := strconv.ParseUint(typ, 10, 32)
	if !ok || err != nil {
		return s, false
	}
	s.ClientType, s.IMEI = device.Type(n), imei
	return s, true
}
