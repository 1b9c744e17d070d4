//go:build e2e

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/testwait"
)

// userStatus is the data of 4004 and 4005.
type userStatus struct {
	UserID  string
	Status  int
	Version int64
}

// TestPresenceAcrossGateways: a subscriber on gateway 1 gets 4004 online
// when its friend's first device logs in on gateway 2, nothing for a
// second device, and 4004 offline with a higher version when the last one
// leaves.
func TestPresenceAcrossGateways(t *testing.T) {
	u := newUsers(t, "presence", 2)
	watcher, target := u[0], u[1]
	admin(t, "/v1/friendship/addFriend", map[string]any{"fromId": watcher, "toItem": map[string]any{"toId": target}}, nil)
	w := connect(t, watcher, 0, true, device.Web)
	admin(t, "/v1/user/subscribeUserOnlineStatus", map[string]any{"operater": watcher, "subUserId": []string{target}, "subTime": 600000}, nil)

	statuses := func() []userStatus {
		var out []userStatus
		for _, s := range received[userStatus](w, command.UserOnlineStatusNotify) {
			if s.UserID == target {
				out = append(out, s)
			}
		}
		return out
	}
	waitFor := func(n int) []userStatus {
		t.Helper()
		var got []userStatus
		testwait.Eventually(t, 5*time.Second, func() error {
			if got = statuses(); len(got) < n {
				return fmt.Errorf("%d of %d status notifies: %+v", len(got), n, got)
			}
			return nil
		})
		return got
	}

	first := connect(t, target, 1, false, device.IOS)
	if got := waitFor(1); got[0].Status != 1 {
		t.Fatalf("first notify = %+v, want online", got[0])
	}
	second := connect(t, target, 1, true, device.Web)
	second.Close()
	first.Close()
	got := waitFor(2)
	if len(got) != 2 || got[1].Status != 2 || got[1].Version <= got[0].Version {
		t.Fatalf("notifies = %+v, want online then offline with a higher version", got)
	}
}
