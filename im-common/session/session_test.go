package session_test

import (
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/session"
)

func TestKeys(t *testing.T) {
	if got := session.Key(10000, "alice"); got != "10000:userSession:alice" {
		t.Errorf("Key = %q", got)
	}
	if got := session.AppKey(7); got != "7:app" {
		t.Errorf("AppKey = %q", got)
	}
}

func TestAlive(t *testing.T) {
	now := time.UnixMilli(1_000_000)
	tests := []struct {
		seen int64
		want bool
	}{{1_000_000, true}, {1_000_000 - 29_999, true}, {1_000_000 - 30_000, false}}
	for _, tt := range tests {
		if got := (session.Session{Seen: tt.seen}).Alive(now, 30*time.Second); got != tt.want {
			t.Errorf("seen %d: Alive = %v", tt.seen, got)
		}
	}
}

func TestBrokerMember(t *testing.T) {
	ids := []device.ID{
		{AppID: 1, UserID: "a", Type: device.IOS, IMEI: "x"},
		{AppID: 1, UserID: `a","b`, Type: device.IOS, IMEI: "x"},
		{AppID: 1, UserID: "a:1", Type: device.IOS, IMEI: "x"},
	}
	seen := map[string]bool{}
	for _, id := range ids {
		m := session.BrokerMember(id)
		if seen[m] {
			t.Fatalf("member %q collides", m)
		}
		seen[m] = true
		key, field, err := session.ParseBrokerMember(m)
		if err != nil || key != session.Key(id.AppID, id.UserID) || field != id.Field() {
			t.Errorf("ParseBrokerMember(%q) = %q, %q, %v", m, key, field, err)
		}
	}
	if _, _, err := session.ParseBrokerMember("nope"); err == nil {
		t.Error("a malformed member parsed")
	}
	if got := session.BrokerKey("gw1"); got != "gatewaySessions:gw1" {
		t.Errorf("BrokerKey = %q", got)
	}
}
