// Package session is the Redis contract between the gateway (writer) and the
// domain (reader) for who is online where, and between the domain (writer)
// and the gateway (reader) for what the gateway must know about an app.
//
// Sessions: hash {appId}:userSession:{userId}, field {clientType}:{imei},
// value the JSON Session. The gateway refreshes the hash TTL on every
// heartbeat, so when a gateway dies without cleaning up, its users go offline
// by themselves after TTL. A field is also ignored by readers once its
// Seen time is older than TTL, because a hash TTL covers all devices of a user.
//
// Broker index: set gatewaySessions:{brokerId}, one member per session
// field that gateway may hold (BrokerMember), kept by the gateway's scripts
// in the same step as the hash, with the session TTL. A gateway restarted
// after a crash purges the sessions its dead predecessor left, so their
// users show offline at once instead of after TTL.
//
// Apps: hash {appId}:app with fields secret, policy, prevSecret and
// prevSecretUntil (a rotated secret's overlap window), written by the domain
// when an app is created or changed (and for every app at domain start-up),
// read by the gateway to verify login signs and apply the multi-device policy.
package session

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
)

// Key is the Redis hash holding every device session of a user.
func Key(appID uint32, userID string) string {
	return strconv.FormatUint(uint64(appID), 10) + ":userSession:" + userID
}

// Session is one device's entry in the user's session hash.
type Session struct {
	Broker     string      `json:"brokerId"` // the gateway holding the connection
	ClientType device.Type `json:"clientType"`
	IMEI       string      `json:"imei"`
	LoginTime  int64       `json:"loginTime"` // unix milliseconds
	Seen       int64       `json:"seen"`      // unix milliseconds of the last heartbeat
}

// Alive reports whether s was refreshed within ttl of now.
func (s Session) Alive(now time.Time, ttl time.Duration) bool {
	return now.Sub(time.UnixMilli(s.Seen)) < ttl
}

// BrokerKey is the set indexing the session fields held by a gateway.
func BrokerKey(broker string) string { return "gatewaySessions:" + broker }

// BrokerMember names one session field in a BrokerKey set: the JSON array
// [hash key, field], so no id can make two members collide.
func BrokerMember(id device.ID) string {
	b, _ := json.Marshal([2]string{Key(id.AppID, id.UserID), id.Field()}) // strings: cannot fail
	return string(b)
}

// ParseBrokerMember returns the hash key and field a BrokerMember names.
func ParseBrokerMember(m string) (key, field string, err error) {
	var kf [2]string
	if err := json.Unmarshal([]byte(m), &kf); err != nil {
		return "", "", fmt.Errorf("session: broker index member %q: %w", m, err)
	}
	return kf[0], kf[1], nil
}

// AppKey is the Redis hash describing an app to the gateways.
func AppKey(appID uint32) string { return strconv.FormatUint(uint64(appID), 10) + ":app" }

// Fields of the app hash.
const (
	AppFieldSecret = "secret"
	AppFieldPolicy = "policy" // decimal device.Policy
	// AppFieldPrevSecret is the secret a rotation replaced; signs made
	// with it verify until AppFieldPrevUntil (decimal unix milliseconds).
	AppFieldPrevSecret = "prevSecret"
	AppFieldPrevUntil  = "prevSecretUntil"
)
