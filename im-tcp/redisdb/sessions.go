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
	"github.com/whaleim/whaleim/im-tcp/gateway"
)

var _ gateway.Sessions = (*Sessions)(nil)

// Every script is a session.PresenceLua script: KEYS[1] = the user's
// session hash, KEYS[2..3] = the presence stream and counter, and KEYS[4]
// = the broker index (session.BrokerKey) of the broker the session names;
// ARGV[1..6] are session.PresenceArgs. Each keeps the hash and the index
// in one step (the index holds a member exactly while that broker may own
// the field) and appends a presence event when the user's first live
// device arrived or its last one left.

// claimScript returns the hash as it was, then writes the field, the
// index member and the TTLs.
var claimScript = redis.NewScript(session.PresenceLua + `
local before = im_before()
local all = redis.call('HGETALL', KEYS[1])
redis.call('HSET', KEYS[1], ARGV[7], ARGV[8])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[9])
redis.call('PEXPIRE', KEYS[4], ARGV[2])
im_after(before)
return all`)

// touchScript rewrites the field unless another connection owns it.
var touchScript = redis.NewScript(session.PresenceLua + `
local cur = redis.call('HGET', KEYS[1], ARGV[7])
if cur then
  local s = cjson.decode(cur)
  if s.brokerId ~= ARGV[9] or s.loginTime ~= tonumber(ARGV[10]) then return 0 end
end
local before = im_before()
redis.call('HSET', KEYS[1], ARGV[7], ARGV[8])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[11])
redis.call('PEXPIRE', KEYS[4], ARGV[2])
im_after(before)
return 1`)

// removeScript deletes the field only while this connection owns it. The
// index member goes too unless a newer connection on the same broker
// holds the field now.
var removeScript = redis.NewScript(session.PresenceLua + `
local cur = redis.call('HGET', KEYS[1], ARGV[7])
if not cur then
  redis.call('SREM', KEYS[4], ARGV[10])
  return 0
end
local s = cjson.decode(cur)
if s.brokerId ~= ARGV[8] then
  redis.call('SREM', KEYS[4], ARGV[10])
  return 0
end
if s.loginTime ~= tonumber(ARGV[9]) then return 0 end
local before = im_before()
redis.call('HDEL', KEYS[1], ARGV[7])
redis.call('SREM', KEYS[4], ARGV[10])
im_after(before)
return 1`)

// purgeScript deletes the field if the broker still owns it, whatever its
// login time, and drops the index member.
var purgeScript = redis.NewScript(session.PresenceLua + `
redis.call('SREM', KEYS[4], ARGV[9])
local cur = redis.call('HGET', KEYS[1], ARGV[7])
if not cur then return 0 end
local s = cjson.decode(cur)
if s.brokerId ~= ARGV[8] then return 0 end
local before = im_before()
redis.call('HDEL', KEYS[1], ARGV[7])
im_after(before)
return 1`)

// Sessions stores device sessions in the user's session hash.
type Sessions struct {
	rdb redis.UniversalClient
	ttl time.Duration // the session TTL: older fields are not live (presence)
	now func() time.Time
}

// NewSessions returns a session store on rdb; ttl is the session TTL.
func NewSessions(rdb redis.UniversalClient, ttl time.Duration) *Sessions {
	return &Sessions{rdb: rdb, ttl: ttl, now: time.Now}
}

// keys are the keys every script takes.
func keys(id device.ID, broker string) []string {
	return append(session.PresenceKeys(session.PresenceStream, id.AppID, id.UserID), session.BrokerKey(broker))
}

// args are the script's arguments after the presence ones.
func (s *Sessions) args(id device.ID, ttl time.Duration, own ...any) []any {
	return append(session.PresenceArgs(s.now(), ttl, id), own...)
}

// Claim implements gateway.Sessions.
func (s *Sessions) Claim(ctx context.Context, id device.ID, ss session.Session, ttl time.Duration) (map[string]session.Session, error) {
	v, err := json.Marshal(ss)
	if err != nil {
		return nil, fmt.Errorf("redisdb claim: %w", err)
	}
	res, err := claimScript.Run(ctx, s.rdb, keys(id, ss.Broker),
		s.args(id, ttl, id.Field(), v, session.BrokerMember(id))...).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("redisdb claim %s: %w", session.Key(id.AppID, id.UserID), err)
	}
	out := make(map[string]session.Session, len(res)/2)
	for i := 0; i+1 < len(res); i += 2 {
		var old session.Session
		if json.Unmarshal([]byte(res[i+1]), &old) == nil { // skip corrupt entries
			out[res[i]] = old
		}
	}
	return out, nil
}

// Touch implements gateway.Sessions.
func (s *Sessions) Touch(ctx context.Context, id device.ID, ss session.Session, ttl time.Duration) (bool, error) {
	v, err := json.Marshal(ss)
	if err != nil {
		return false, fmt.Errorf("redisdb touch: %w", err)
	}
	n, err := touchScript.Run(ctx, s.rdb, keys(id, ss.Broker), s.args(id, ttl, id.Field(), v, ss.Broker,
		strconv.FormatInt(ss.LoginTime, 10), session.BrokerMember(id))...).Int()
	if err != nil {
		return false, fmt.Errorf("redisdb touch %s: %w", session.Key(id.AppID, id.UserID), err)
	}
	return n == 1, nil
}

// Remove implements gateway.Sessions.
func (s *Sessions) Remove(ctx context.Context, id device.ID, ss session.Session) (bool, error) {
	n, err := removeScript.Run(ctx, s.rdb, keys(id, ss.Broker), s.args(id, s.ttl, id.Field(), ss.Broker,
		strconv.FormatInt(ss.LoginTime, 10), session.BrokerMember(id))...).Int()
	if err != nil {
		return false, fmt.Errorf("redisdb remove %s: %w", session.Key(id.AppID, id.UserID), err)
	}
	return n == 1, nil
}

// Indexed implements gateway.Sessions.
func (s *Sessions) Indexed(ctx context.Context, broker string) (bool, error) {
	n, err := s.rdb.Exists(ctx, session.BrokerKey(broker)).Result()
	if err != nil {
		return false, fmt.Errorf("redisdb indexed %s: %w", session.BrokerKey(broker), err)
	}
	return n == 1, nil
}

// Purge implements gateway.Sessions: it walks the broker's index and
// deletes every session field the broker still owns.
func (s *Sessions) Purge(ctx context.Context, broker string) (int, error) {
	index := session.BrokerKey(broker)
	purged := 0
	var cursor uint64
	for {
		members, next, err := s.rdb.SScan(ctx, index, cursor, "", 500).Result()
		if err != nil {
			return purged, fmt.Errorf("redisdb purge %s: %w", index, err)
		}
		n, err := s.purge(ctx, index, broker, members)
		purged += n
		if err != nil {
			return purged, err
		}
		if cursor = next; cursor == 0 {
			return purged, nil
		}
	}
}

// purge deletes the fields members name, in one pipeline (EVAL, not
// EVALSHA: a pipeline cannot fall back on NOSCRIPT).
func (s *Sessions) purge(ctx context.Context, index, broker string, members []string) (int, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.Cmd, 0, len(members))
	for _, m := range members {
		id, err := memberDevice(m)
		if err != nil { // not ours to interpret: drop it from the index
			pipe.SRem(ctx, index, m)
			continue
		}
		cmds = append(cmds, purgeScript.Eval(ctx, pipe, keys(id, broker), s.args(id, s.ttl, id.Field(), broker, m)...))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("redisdb purge %s: %w", index, err)
	}
	n := 0
	for _, c := range cmds {
		if v, _ := c.Int(); v == 1 {
			n++
		}
	}
	return n, nil
}

// memberDevice is the device a broker index member names.
func memberDevice(m string) (device.ID, error) {
	key, field, err := session.ParseBrokerMember(m)
	if err != nil {
		return device.ID{}, err
	}
	app, user, ok := strings.Cut(key, ":userSession:")
	typ, imei, ok2 := strings.Cut(field, ":")
	appID, err1 := strconv.ParseUint(app, 10, 32)
	ct, err2 := strconv.ParseUint(typ, 10, 32)
	if !ok || !ok2 || err1 != nil || err2 != nil {
		return device.ID{}, fmt.Errorf("redisdb: broker index member %q: not a session field", m)
	}
	return device.ID{AppID: uint32(appID), UserID: user, Type: device.Type(ct), IMEI: imei}, nil
}
