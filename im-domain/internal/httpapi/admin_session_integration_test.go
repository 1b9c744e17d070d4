//go:build integration

package httpapi_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-domain/domain"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/online"
)

// TestAdminOnlineUsersPaged: the walk returns every online user once a
// page at a time, with devices; a session older than the TTL is left out.
func TestAdminOnlineUsersPaged(t *testing.T) {
	env := apitest.Start(t)
	var want []string
	for i := range 25 {
		u := fmt.Sprintf("u%02d", i)
		env.SetOnline(u, "gw-1", device.IOS, "phone")
		want = append(want, u)
	}
	env.SetOnline("u00", "gw-2", device.Web, "browser")
	stale, _ := json.Marshal(session.Session{Broker: "gw-1", ClientType: device.Android, IMEI: "old",
		Seen: time.Now().Add(-2 * time.Minute).UnixMilli()})
	env.Redis.HSet(t.Context(), session.Key(env.AppID, "ghost"), "2:old", stale)

	seen := map[string]online.User{}
	cursor, pages := "", 0
	for {
		var p online.Page
		env.Call(env.Admin, "/v1/admin/onlineUsers", map[string]any{"cursor": cursor, "limit": 10}).WantCode(t, 200).Decode(t, &p)
		for _, u := range p.Users {
			seen[u.UserID] = u
		}
		if pages++; p.Cursor == "" || pages > 50 {
			break
		}
		cursor = p.Cursor
	}
	got := make([]string, 0, len(seen))
	for u := range seen {
		got = append(got, u)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("online users = %v, want %v", got, want)
	}
	if d := seen["u00"].Devices; len(d) != 2 || d[0].BrokerID != "gw-2" || d[0].IMEI != "browser" || d[1].BrokerID != "gw-1" {
		t.Errorf("u00 devices = %+v", d)
	}
	env.Call(env.Admin, "/v1/admin/onlineUsers", map[string]any{"limit": 1001}).WantCode(t, 1002)
	env.Call(env.Admin, "/v1/admin/onlineUsers", map[string]any{"cursor": "x"}).WantCode(t, 1002)
	env.Call("u01", "/v1/admin/onlineUsers", map[string]any{}).WantCode(t, 2006)
}

// TestAdminGatewayConnections: each registered gateway with the app's
// connections in its session index.
func TestAdminGatewayConnections(t *testing.T) {
	env := apitest.Start(t)
	a, b := fmt.Sprintf("gw-%d-a", env.AppID), fmt.Sprintf("gw-%d-b", env.AppID)
	env.Gateways.Set(domain.Gateway{ID: b, TCP: "127.0.0.1:2", WS: "127.0.0.1:3"}, domain.Gateway{ID: a, TCP: "127.0.0.1:1"})
	t.Cleanup(func() { env.Redis.Del(t.Context(), session.BrokerKey(a), session.BrokerKey(b)) })
	for i, u := range []string{"x", "y", "z"} {
		id := device.ID{AppID: env.AppID, UserID: u, Type: device.IOS, IMEI: "p"}
		env.Redis.SAdd(t.Context(), session.BrokerKey(a), session.BrokerMember(id))
		if i == 0 {
			env.Redis.SAdd(t.Context(), session.BrokerKey(b), session.BrokerMember(id))
		}
	}
	other := device.ID{AppID: env.AppID + 1, UserID: "x", Type: device.IOS, IMEI: "p"}
	env.Redis.SAdd(t.Context(), session.BrokerKey(a), session.BrokerMember(other)) // another app's
	var res struct{ Gateways []online.GatewayLoad }
	env.Call(env.Admin, "/v1/admin/gateways", map[string]any{}).WantCode(t, 200).Decode(t, &res)
	want := []online.GatewayLoad{{BrokerID: a, TCPAddress: "127.0.0.1:1", Connections: 3},
		{BrokerID: b, TCPAddress: "127.0.0.1:2", WSAddress: "127.0.0.1:3", Connections: 1}}
	if !slices.Equal(res.Gateways, want) {
		t.Errorf("gateways = %+v, want %+v", res.Gateways, want)
	}
}

// TestAdminForceLogout: a user's every device, or one device, gets 9002
// with 7004 and close on its own gateway, and its session is deleted.
func TestAdminForceLogout(t *testing.T) {
	tests := []struct {
		name     string
		device   map[string]any
		kicked   []string // gateways that get the kick
		survives []string // session fields left
	}{
		{"user", nil, []string{"gw-1", "gw-2"}, nil},
		{"one device", map[string]any{"clientType": device.Web, "imei": "browser"}, []string{"gw-2"}, []string{"2:phone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := apitest.Start(t)
			env.SetOnline("fred", "gw-1", device.IOS, "phone")
			env.SetOnline("fred", "gw-2", device.Web, "browser")
			body := map[string]any{"userId": "fred", "reason": "maintenance"}
			if tt.device != nil {
				body["device"] = tt.device
			}
			var res struct{ Devices int }
			env.Call(env.Admin, "/v1/admin/forceLogout", body).WantCode(t, 200).Decode(t, &res)
			if res.Devices != len(tt.kicked) {
				t.Errorf("devices = %d, want %d", res.Devices, len(tt.kicked))
			}
			for _, gw := range tt.kicked {
				p := env.Pushes.Wait(t, func(p apitest.Published) bool { return p.Push.Command == command.MutualLogin && p.Key == gw })
				var data struct {
					Code errcode.Code
					Msg  string
				}
				if err := json.Unmarshal(p.Push.Data, &data); err != nil || !p.Push.Close || data.Code != errcode.LoggedOutByAdmin.Code ||
					data.Msg != "maintenance" || len(p.Push.To) != 1 {
					t.Errorf("kick on %s = %+v (%s)", gw, p.Push, p.Push.Data)
				}
			}
			for _, p := range env.Pushes.All() {
				if !slices.Contains(tt.kicked, p.Key) {
					t.Errorf("unexpected push to %s: %+v", p.Key, p.Push)
				}
			}
			left, _ := env.Redis.HKeys(t.Context(), session.Key(env.AppID, "fred")).Result()
			if !slices.Equal(left, tt.survives) {
				t.Errorf("sessions left = %v, want %v", left, tt.survives)
			}
		})
	}
	env := apitest.Start(t)
	env.Call(env.Admin, "/v1/admin/forceLogout", map[string]any{"userId": "nobody"}).WantCode(t, 200)
	env.Call(env.Admin, "/v1/admin/forceLogout", map[string]any{"userId": "x", "device": map[string]any{"imei": "p"}}).WantCode(t, 1002)
	env.Call("x", "/v1/admin/forceLogout", map[string]any{"userId": "x"}).WantCode(t, 2006)
}

// TestAdminBroadcast: app-wide and segment broadcasts reach the online
// devices through their gateways; over the per-app limit the call is
// refused with 1009 and pushes nothing.
func TestAdminBroadcast(t *testing.T) {
	env := apitest.StartWith(t, func(c *domain.Config) { c.BroadcastLimit = 2 })
	env.SetOnline("ann", "gw-1", device.IOS, "phone")
	env.SetOnline("ann", "gw-2", device.Web, "browser")
	env.SetOnline("ben", "gw-1", device.Android, "a")
	var all online.Reach
	env.Call(env.Admin, "/v1/admin/broadcast", map[string]any{"data": map[string]any{"text": "hello all"}}).WantCode(t, 200).Decode(t, &all)
	if all != (online.Reach{Users: 2, Devices: 3}) {
		t.Errorf("app-wide reach = %+v", all)
	}
	var seg online.Reach
	env.Call(env.Admin, "/v1/admin/broadcast", map[string]any{"userIds": []string{"ben", "nobody"}, "data": "hi ben"}).WantCode(t, 200).Decode(t, &seg)
	if seg != (online.Reach{Users: 1, Devices: 1}) {
		t.Errorf("segment reach = %+v", seg)
	}
	env.Call(env.Admin, "/v1/admin/broadcast", map[string]any{"data": "third"}).WantCode(t, int(errcode.RateLimited.Code))
	var pushed []string
	for _, p := range env.Pushes.All() {
		if p.Push.Command == command.Broadcast {
			pushed = append(pushed, fmt.Sprintf("%s:%d:%s", p.Key, len(p.Push.To), p.Push.Data))
		}
	}
	slices.Sort(pushed)
	want := []string{`gw-1:1:"hi ben"`, `gw-1:2:{"text":"hello all"}`, `gw-2:1:{"text":"hello all"}`}
	if !slices.Equal(pushed, want) {
		t.Errorf("broadcast pushes = %v, want %v", pushed, want)
	}
	env.Call(env.Admin, "/v1/admin/broadcast", map[string]any{}).WantCode(t, 1002)
	env.Call("ann", "/v1/admin/broadcast", map[string]any{"data": "x"}).WantCode(t, 2006)
}
