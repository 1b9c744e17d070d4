//go:build e2e

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-sdk/go/imclient"
)

// setRecallWindow changes the app's recall window over REST with imctl;
// other domain nodes would pick it up after their app cache TTL
// (IM_APP_CACHE_TTL, 10s by default), hence recallUntil.
func setRecallWindow(t *testing.T, sec int) {
	t.Helper()
	imctlOK(t, "app", "set", fmt.Sprintf("recallWindowSeconds=%d", sec))
}

// recallUntil recalls one probe message from d to peer until the domain
// answers code: the app cache has then picked up the window.
func recallUntil(t *testing.T, d *dev, peer string, code errcode.Code) {
	t.Helper()
	probe := sendOK(t, d, imclient.Message{ToID: peer, Body: "probe"})
	testwait.Eventually(t, 30*time.Second, func() error {
		if a := recall(t, d, payload.Recall{MessageKey: probe.Key, ToID: peer}); a.Code != code {
			return fmt.Errorf("probe recall: code %d, want %d", a.Code, code)
		}
		return nil
	})
}

// TestRecallWindow: with the app's window cut to 0s, recalling any
// message is refused with 6001 and the message stays intact.
func TestRecallWindow(t *testing.T) {
	u := newUsers(t, "rcw", 2)
	alice, bob := u[0], u[1]
	a1 := connect(t, alice, 0, false, device.Android)
	old := sendOK(t, a1, imclient.Message{ToID: bob, Body: "too late to take back"})
	setRecallWindow(t, 0)
	t.Cleanup(func() {
		setRecallWindow(t, 120)
		recallUntil(t, a1, bob, errcode.Success.Code) // later tests see the default again
	})
	recallUntil(t, a1, bob, errcode.RecallWindowExpired.Code)
	t.Log("the domain now applies the 0s window")
	if a := recall(t, a1, payload.Recall{MessageKey: old.Key, ToID: bob}); a.Code != errcode.RecallWindowExpired.Code {
		t.Fatalf("recall after the window: code %d %s, want %d", a.Code, a.Msg, errcode.RecallWindowExpired.Code)
	}
	testwait.Never(t, time.Second, recalledIn(t, bob, p2pConv(alice, bob), old.Key, false))
	t.Log("recall outside the window refused with 6001; message intact")
}
