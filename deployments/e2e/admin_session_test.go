//go:build e2e

package e2e

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/testwait"
)

// TestAdminForceLogoutAcrossGateways: the admin sees a user's devices on
// both gateways and each gateway's connections; force-logout of the
// device on the second gateway closes it within a second with 9002/7004
// while the device on the first stays; logging the user out closes the
// rest and leaves no session; a segment broadcast reaches the online
// device of its user.
func TestAdminForceLogoutAcrossGateways(t *testing.T) {
	distributedOnly(t, "counts connections per gateway process")
	u := newUsers(t, "kick", 2)
	first := connect(t, u[0], 0, false, device.IOS)
	other := connect(t, u[0], 1, true, device.Web)
	listener := connect(t, u[1], 0, true, device.Web)

	var gws struct {
		Gateways []struct {
			BrokerID    string
			Connections int
		}
	}
	admin(t, "/v1/admin/gateways", map[string]any{}, &gws)
	counts := map[string]int{}
	for _, g := range gws.Gateways {
		counts[g.BrokerID] = g.Connections
	}
	if counts["e2e-gateway1"] < 2 || counts["e2e-gateway2"] < 1 {
		t.Errorf("gateway connections = %+v, want gateway1 >= 2, gateway2 >= 1", gws.Gateways)
	}
	devices := onlineDevices(t, u[0])
	if brokers := slices.Sorted(maps.Keys(devices)); !slices.Equal(brokers, []string{"e2e-gateway1", "e2e-gateway2"}) {
		t.Fatalf("%s online on %v, want both gateways", u[0], brokers)
	}

	start := time.Now()
	admin(t, "/v1/admin/forceLogout", map[string]any{"userId": u[0],
		"device": map[string]any{"clientType": device.Web, "imei": devices["e2e-gateway2"]}}, nil)
	select {
	case <-other.Done():
		t.Logf("closed %v after the call started", time.Since(start))
	case <-time.After(time.Second):
		t.Fatalf("device on the other gateway still connected 1s after force-logout")
	}
	testwait.Eventually(t, 5*time.Second, func() error {
		for _, k := range received[struct{ Code errcode.Code }](other, command.MutualLogin) {
			if k.Code == errcode.LoggedOutByAdmin.Code {
				return nil
			}
		}
		return fmt.Errorf("no 9002 with 7004")
	})
	if brokers := slices.Sorted(maps.Keys(onlineDevices(t, u[0]))); !slices.Equal(brokers, []string{"e2e-gateway1"}) {
		t.Errorf("after the device logout %s is online on %v, want gateway1 only", u[0], brokers)
	}
	select {
	case <-first.Done():
		t.Fatal("the device on the first gateway was closed too")
	default:
	}

	admin(t, "/v1/admin/forceLogout", map[string]any{"userId": u[0]}, nil)
	select {
	case <-first.Done():
	case <-time.After(time.Second):
		t.Fatalf("device still connected 1s after the user's force-logout")
	}
	if n := sessions(t, u[0]); n != 0 {
		t.Errorf("%s still has %d sessions", u[0], n)
	}

	admin(t, "/v1/admin/broadcast", map[string]any{"userIds": []string{u[1]}, "data": map[string]string{"text": "maintenance at noon"}}, nil)
	testwait.Eventually(t, 5*time.Second, func() error {
		if got := received[map[string]string](listener, command.Broadcast); len(got) == 1 && got[0]["text"] == "maintenance at noon" {
			return nil
		}
		return fmt.Errorf("no broadcast received")
	})
}

// onlineDevices returns the imei of user's device on each gateway, from
// the admin's online listing.
func onlineDevices(t *testing.T, user string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for cursor, pages := "", 0; pages < 100; pages++ {
		var p struct {
			Users []struct {
				UserID  string
				Devices []struct{ BrokerID, IMEI string }
			}
			Cursor string
		}
		admin(t, "/v1/admin/onlineUsers", map[string]any{"cursor": cursor, "limit": 500}, &p)
		for _, x := range p.Users {
			for _, d := range x.Devices {
				if x.UserID == user {
					out[d.BrokerID] = d.IMEI
				}
			}
		}
		if cursor = p.Cursor; cursor == "" {
			break
		}
	}
	return out
}
