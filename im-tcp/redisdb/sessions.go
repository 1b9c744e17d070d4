package redisdb

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-tcp/gateway"
)

var _ gateway.Sessions = (*Sessions)(nil)

// claimScript returns the hash as it was, then writes the field and TTL.
var claimScript = redis.NewScript(`
local all = redis.call('HGETALL', KEYS[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return all`)

// touchScript rewrites the field unless another connection owns it.
var touchScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local s = cjson.decode(cur)
  if s.brokerId ~= ARGV[3] or s.loginTime ~= tonumber(ARGV[4]) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`)

// removeScript deletes the field only while this connection owns it.
var removeScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return 0 end
local s = cjson.decode(cur)
if s.brokerId ~= ARGV[2] or s.loginTime ~= tonumber(ARGV[3]) then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
return 1`)

// Sessions stores device sessions in the user's session hash.
type Sessions struct {
	rdb redis.UniversalClient
}

// NewSessions returns a session store on rdb.
func NewSessions(rdb redis.UniversalClient) *Sessions { return &Sessions{rdb: rdb} }

// Claim implements gateway.Sessions.
func (s *Sessions) Claim(ctx context.Context, id device.ID, ss session.Session, ttl time.Duration) (map[string]session.Session, error) {
	v, err := json.Marshal(ss)
	if err != nil {
		return nil, fmt.Errorf("redisdb claim: %w", err)
	}
	res, err := claimScript.Run(ctx, s.rdb, []string{session.Key(id.AppID, id.UserID)},
		id.Field(), v, ttl.Milliseconds()).StringSlice()
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
	n, err := touchScript.Run(ctx, s.rdb, []string{session.Key(id.AppID, id.UserID)},
		id.Field(), v, ss.Broker, strconv.FormatInt(ss.LoginTime, 10), ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("redisdb touch %s: %w", session.Key(id.AppID, id.UserID), err)
	}
	return n == 1, nil
}

// Remove implements gateway.Sessions.
func (s *Sessions) Remove(ctx context.Context, id device.ID, ss session.Session) (bool, error) {
	n, err := removeScript.Run(ctx, s.rdb, []string{session.Key(id.AppID, id.UserID)},
		id.Field(), ss.Broker, strconv.FormatInt(ss.LoginTime, 10)).Int()
	if err != nil {
		return false, fmt.Errorf("redisdb remove %s: %w", session.Key(id.AppID, id.UserID), err)
	}
	return n == 1, nil
}
