package redisdb

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/session"
)

// OnlinePage returns about count users of the app with live sessions,
// from the Redis SCAN cursor (0 starts), and the cursor of the next page
// (0: done).
//
// SCAN over the app's session keys rather than an index of online users:
// an index would add a write to every login and logout on the gateways'
// hot path (and one more thing to keep consistent with the hash), for an
// admin listing that is rare. SCAN returns every key that exists for the
// whole walk; a key may come twice across pages (callers tolerate it),
// and each page is filtered by the session TTL like Online.
func (c *Client) OnlinePage(ctx context.Context, appID uint32, cursor uint64, count int) (map[string][]session.Session, uint64, error) {
	prefix := session.Key(appID, "")
	var users []string
	seen := map[string]bool{}
	for {
		keys, next, err := c.rdb.Scan(ctx, cursor, prefix+"*", int64(count)).Result()
		if err != nil {
			return nil, 0, fmt.Errorf("redis: scan sessions of app %d: %w", appID, err)
		}
		for _, k := range keys {
			if u := strings.TrimPrefix(k, prefix); !seen[u] {
				seen[u] = true
				users = append(users, u)
			}
		}
		if cursor = next; cursor == 0 || len(users) >= count {
			break
		}
	}
	if len(users) == 0 {
		return map[string][]session.Session{}, cursor, nil
	}
	online, err := c.Online(ctx, appID, users)
	return online, cursor, err
}

// GatewayConnections counts, per broker, the app's sessions in the
// broker's index (session.BrokerKey): the connections the gateway holds
// for this app. The index is kept by the gateway's own scripts and a
// crashed gateway's index is purged by its successor or expires with the
// session TTL.
func (c *Client) GatewayConnections(ctx context.Context, appID uint32, brokers []string) (map[string]int, error) {
	// Members are JSON arrays ["{appId}:userSession:{userId}", field]: the
	// app's start with this prefix ('[' escaped for the glob).
	match := `\["` + session.Key(appID, "") + "*"
	out := make(map[string]int, len(brokers))
	for _, b := range brokers {
		n := 0
		var cursor uint64
		for {
			ms, next, err := c.rdb.SScan(ctx, session.BrokerKey(b), cursor, match, 1000).Result()
			if err != nil {
				return nil, fmt.Errorf("redis: count sessions of gateway %s: %w", b, err)
			}
			n += len(ms)
			if cursor = next; cursor == 0 {
				break
			}
		}
		out[b] = n
	}
	return out, nil
}

// dropDeviceScript deletes session fields while the broker named with
// each still owns them, and drops their broker index members
// (session.PresenceLua). KEYS[4..]: the index of each field's broker;
// ARGV[7..]: (field, broker, member) per field. Returns the number of
// fields deleted.
var dropDeviceScript = redis.NewScript(session.PresenceLua + `
local before = im_before()
local n = 0
for i = 4, #KEYS do
  local a = 7 + 3 * (i - 4)
  local field, broker, member = ARGV[a], ARGV[a+1], ARGV[a+2]
  local cur = redis.call('HGET', KEYS[1], field)
  if cur then
    local ok, s = pcall(cjson.decode, cur)
    if ok and type(s) == 'table' and s.brokerId == broker then
      redis.call('HDEL', KEYS[1], field)
      n = n + 1
    end
  end
  redis.call('SREM', KEYS[i], member)
end
im_after(before)
return n`)

// DropDevices deletes the given sessions of one user (as Online returned
// them), unless a newer login on another gateway took the field over in
// the meantime; it returns how many it deleted.
func (c *Client) DropDevices(ctx context.Context, appID uint32, userID string, ss []session.Session) (int, error) {
	if len(ss) == 0 {
		return 0, nil
	}
	keys := session.PresenceKeys(c.presence, appID, userID)
	changing := device.ID{AppID: appID, UserID: userID} // the event's device: the one, if one
	if len(ss) == 1 {
		changing.Type, changing.IMEI = ss[0].ClientType, ss[0].IMEI
	}
	args := session.PresenceArgs(c.now(), c.sessionTTL, changing)
	for _, s := range ss {
		id := device.ID{AppID: appID, UserID: userID, Type: s.ClientType, IMEI: s.IMEI}
		keys = append(keys, session.BrokerKey(s.Broker))
		args = append(args, id.Field(), s.Broker, session.BrokerMember(id))
	}
	n, err := dropDeviceScript.Run(ctx, c.rdb, keys, args...).Int()
	if err != nil {
		return 0, fmt.Errorf("redis: drop sessions of %s: %w", keys[0], err)
	}
	return n, nil
}

// Allow counts one use of a per-app budget of limit per window (a fixed
// window: {appId}:rate:{name}:{window start}) and reports whether it is
// within the budget, and when the window ends.
func (c *Client) Allow(ctx context.Context, appID uint32, name string, limit int, window time.Duration) (bool, time.Time, error) {
	now := c.now()
	start := now.Truncate(window)
	key := strconv.FormatUint(uint64(appID), 10) + ":rate:" + name + ":" + strconv.FormatInt(start.UnixMilli(), 10)
	pipe := c.rdb.TxPipeline()
	incr := pipe.Incr(ctx, key)
	pipe.PExpire(ctx, key, window)
	if _, err := pipe.Exec(ctx); err != nil {
		return false, time.Time{}, fmt.Errorf("redis: rate %s of app %d: %w", name, appID, err)
	}
	return incr.Val() <= int64(limit), start.Add(window), nil
}
