package redisdb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-domain/internal/presence"
)

// presenceGroup is the consumer group of the domain nodes on the presence
// stream: each event is handled by one node.
const presenceGroup = "im-domain"

// reclaimIdle: events a node read but did not acknowledge for this long
// (it died) are taken over by another node.
const reclaimIdle = time.Minute

// Presence reads the presence stream the session scripts append to and
// keeps subscriptions and custom statuses (presence.Store).
type Presence struct {
	c        *Client
	consumer string
	log      *slog.Logger
}

var _ presence.Store = (*Presence)(nil)

// NewPresence returns the presence adapter; Run consumes the stream.
func (c *Client) NewPresence(log *slog.Logger) *Presence {
	host, _ := os.Hostname()
	return &Presence{c: c, consumer: host + "-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		log: log.With("component", "presence")}
}

// Run hands every event of the stream to handle until ctx is done, and
// acknowledges it after; an event another node read and never acknowledged
// is taken over after reclaimIdle.
func (p *Presence) Run(ctx context.Context, handle func(context.Context, presence.Change)) error {
	rdb, stream := p.c.rdb, p.c.presence
	err := rdb.XGroupCreateMkStream(ctx, stream, presenceGroup, "$").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("redis: presence group: %w", err)
	}
	lastClaim := time.Now()
	for ctx.Err() == nil {
		claim := time.Since(lastClaim) > reclaimIdle/2
		if claim {
			lastClaim = time.Now() // a failed claim waits for the next round too
		}
		msgs, err := p.read(ctx, claim)
		if err != nil {
			if ctx.Err() == nil {
				p.log.WarnContext(ctx, "presence stream read failed", "err", err)
				sleep(ctx, time.Second)
			}
			continue
		}
		for _, m := range msgs {
			if ch, ok := decodeChange(m.Values); ok {
				handle(ctx, ch)
			}
			if err := rdb.XAck(ctx, stream, presenceGroup, m.ID).Err(); err != nil {
				p.log.WarnContext(ctx, "presence ack failed", "err", err)
			}
		}
	}
	return nil
}

// read returns the next new events, or the events idle in another node's
// hands when claim.
func (p *Presence) read(ctx context.Context, claim bool) ([]redis.XMessage, error) {
	rdb, stream := p.c.rdb, p.c.presence
	if claim {
		msgs, _, err := rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: stream, Group: presenceGroup,
			Consumer: p.consumer, MinIdle: reclaimIdle, Start: "0", Count: 100}).Result()
		if err != nil || len(msgs) > 0 {
			return msgs, err
		}
	}
	res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: presenceGroup, Consumer: p.consumer,
		Streams: []string{stream, ">"}, Count: 100, Block: 2 * time.Second}).Result()
	if errors.Is(err, redis.Nil) || len(res) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return res[0].Messages, nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// decodeChange reads one stream entry; malformed ones are skipped.
func decodeChange(v map[string]any) (presence.Change, bool) {
	str := func(k string) string { s, _ := v[k].(string); return s }
	app, err1 := strconv.ParseUint(str(session.PresenceFieldApp), 10, 32)
	version, err2 := strconv.ParseInt(str(session.PresenceFieldVersion), 10, 64)
	at, err3 := strconv.ParseInt(str(session.PresenceFieldTime), 10, 64)
	ct, err4 := strconv.ParseUint(str(session.PresenceFieldClientType), 10, 32)
	user := str(session.PresenceFieldUser)
	if err := errors.Join(err1, err2, err3, err4); err != nil || user == "" {
		return presence.Change{}, false
	}
	return presence.Change{AppID: uint32(app), UserID: user, Online: str(session.PresenceFieldOnline) == "1",
		Version: version, Time: at,
		Device: device.ID{AppID: uint32(app), UserID: user, Type: device.Type(ct), IMEI: str(session.PresenceFieldIMEI)}}, true
}

// subscribersKey is the hash of target's subscribers: field subscriber,
// value the unix ms the subscription ends.
func subscribersKey(appID uint32, target string) string {
	return strconv.FormatUint(uint64(appID), 10) + ":subscribers:" + target
}

// customKey is the hash of a user's custom status: text and status.
func customKey(appID uint32, user string) string {
	return strconv.FormatUint(uint64(appID), 10) + ":customStatus:" + user
}

// subscribeScript records one subscription and keeps the hash until its
// last subscription ends. KEYS[1]: the hash; ARGV: subscriber, end (ms).
var subscribeScript = redis.NewScript(`
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
local want = tonumber(ARGV[2]) - tonumber(ARGV[3])
if ttl < want then redis.call('PEXPIRE', KEYS[1], want) end
return 1`)

// Subscribe implements presence.Store.
func (p *Presence) Subscribe(ctx context.Context, appID uint32, subscriber string, targets []string, until time.Time) error {
	pipe := p.c.rdb.Pipeline()
	now := p.c.now().UnixMilli()
	for _, t := range targets {
		subscribeScript.Eval(ctx, pipe, []string{subscribersKey(appID, t)}, subscriber, until.UnixMilli(), now)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("redis: subscribe %s: %w", subscriber, err)
	}
	return nil
}

// Subscribers implements presence.Store: ended subscriptions are left out
// and deleted.
func (p *Presence) Subscribers(ctx context.Context, appID uint32, target string) ([]string, error) {
	key := subscribersKey(appID, target)
	all, err := p.c.rdb.HGetAll(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("redis: subscribers of %s: %w", target, err)
	}
	now := p.c.now().UnixMilli()
	var out, ended []string
	for sub, end := range all {
		if ms, err := strconv.ParseInt(end, 10, 64); err == nil && ms > now {
			out = append(out, sub)
		} else {
			ended = append(ended, sub)
		}
	}
	if len(ended) > 0 {
		p.c.rdb.HDel(ctx, key, ended...) // best effort: they are filtered anyway
	}
	return out, nil
}

// SetCustom implements presence.Store: it saves the status and returns the
// next version of the app's presence counter.
func (p *Presence) SetCustom(ctx context.Context, appID uint32, user string, c presence.Custom) (int64, error) {
	pipe := p.c.rdb.TxPipeline()
	pipe.HSet(ctx, customKey(appID, user), "text", c.Text, "status", c.Status)
	v := pipe.Incr(ctx, session.PresenceSeqKey(appID))
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("redis: custom status of %s: %w", user, err)
	}
	return v.Val(), nil
}

// Customs implements presence.Store.
func (p *Presence) Customs(ctx context.Context, appID uint32, users []string) (map[string]presence.Custom, error) {
	pipe := p.c.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(users))
	for i, u := range users {
		cmds[i] = pipe.HGetAll(ctx, customKey(appID, u))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("redis: custom statuses: %w", err)
	}
	out := map[string]presence.Custom{}
	for i, u := range users {
		m := cmds[i].Val()
		if len(m) == 0 {
			continue
		}
		st, _ := strconv.Atoi(m["status"])
		out[u] = presence.Custom{Text: m["text"], Status: st}
	}
	return out, nil
}

// Online implements presence.Store.
func (p *Presence) Online(ctx context.Context, appID uint32, users []string) (map[string][]session.Session, error) {
	return p.c.Online(ctx, appID, users)
}
