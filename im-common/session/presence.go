package session

import (
	"strconv"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
)

// Presence: a user is online while its session hash holds a live field
// (refreshed within the session TTL). Every Redis script that changes a
// session hash (the gateway's claim, touch, remove and purge, the domain's
// force-logout and kick) decides in the same atomic step whether the user
// went from no live field to one or from one to none, and then appends a
// presence event to the stream PresenceStream. Deciding inside the script
// leaves no race between two gateways: Redis runs the scripts one at a
// time, so a user's transitions alternate and are appended in the order
// they happened. An event publish after the script could be lost between
// the two steps, or overtaken by another gateway's.
//
// Each event carries a version from the app's counter PresenceSeqKey,
// increasing in the order the transitions happened, so a consumer that
// sees two events of a user out of order (two domain nodes) keeps the
// higher one. A user whose every gateway died without a restart goes
// offline by the session TTL without an event.

// PresenceStream is the default Redis stream of presence events. It is
// trimmed to about 100000 events (XADD MAXLEN ~), read or not.
const PresenceStream = "im:presence"

// PresenceSeqKey is the counter the versions of the app's presence events
// come from.
func PresenceSeqKey(appID uint32) string {
	return strconv.FormatUint(uint64(appID), 10) + ":presenceSeq"
}

// Fields of a presence event in the stream (all decimal but user and imei).
const (
	PresenceFieldApp     = "app"
	PresenceFieldUser    = "user"
	PresenceFieldOnline  = "online" // "1" first live device, "0" last one gone
	PresenceFieldVersion = "version"
	PresenceFieldTime    = "time" // unix ms of the change
	// The device whose login or logout made the change (type and imei).
	PresenceFieldClientType = "clientType"
	PresenceFieldIMEI       = "imei"
)

// PresenceLua is the prelude of every script that changes a session hash.
// Such a script takes KEYS[1] = the user's session hash, KEYS[2] = the
// presence stream, KEYS[3] = PresenceSeqKey, its own keys from KEYS[4],
// and ARGV[1..6] = now (unix ms), the session TTL (ms), appId, userId and
// the changing device's clientType and imei (PresenceArgs), its own
// arguments from ARGV[7]. It calls im_before() before its change and
// im_after(before) after it; im_after appends an event with the next
// version when the number of live fields went from 0 to more (online) or
// from more to 0 (offline).
const PresenceLua = `
local IM_NOW, IM_TTL = tonumber(ARGV[1]), tonumber(ARGV[2])
local function im_live()
  local n = 0
  for _, v in ipairs(redis.call('HVALS', KEYS[1])) do
    local ok, s = pcall(cjson.decode, v)
    if ok and type(s) == 'table' and type(s.seen) == 'number' and IM_NOW - s.seen < IM_TTL then n = n + 1 end
  end
  return n
end
local function im_before() return im_live() end
local function im_after(before)
  local after = im_live()
  local online
  if before == 0 and after > 0 then online = '1' elseif before > 0 and after == 0 then online = '0' else return end
  local v = redis.call('INCR', KEYS[3])
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', '100000', '*', 'app', ARGV[3], 'user', ARGV[4], 'online', online,
    'version', v, 'time', ARGV[1], 'clientType', ARGV[5], 'imei', ARGV[6])
end
`

// PresenceKeys are KEYS[1..3] of a PresenceLua script for id's user.
func PresenceKeys(stream string, appID uint32, userID string) []string {
	return []string{Key(appID, userID), stream, PresenceSeqKey(appID)}
}

// PresenceArgs are ARGV[1..6] of a PresenceLua script changing device id.
func PresenceArgs(now time.Time, ttl time.Duration, id device.ID) []any {
	return []any{now.UnixMilli(), ttl.Milliseconds(), id.AppID, id.UserID, uint32(id.Type), id.IMEI}
}
