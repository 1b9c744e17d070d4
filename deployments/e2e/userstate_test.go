//go:build e2e

package e2e

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-sdk/go/imclient"
)

// TestUserStateAtLoginAndWhileOnline: a never-imported user is refused at
// gateway login with 3000 (as REST /v1/user/login); a user forbidden while
// online on both gateways gets 9002 on every device, is disconnected,
// receives nothing more, and its next login is refused with 3002; a
// deleted user is refused with 3000.
func TestUserStateAtLoginAndWhileOnline(t *testing.T) {
	u := newUsers(t, "state", 3)
	if err := tryLogin("never_imported_"+randHex(3), 0); !errors.Is(err, errcode.UserNotFound) {
		t.Fatalf("never-imported login = %v, want 3000", err)
	}
	devs := []*dev{connect(t, u[0], 0, true, device.Web), connect(t, u[0], 1, false, device.IOS)}
	admin(t, "/v1/user/data/modifyUserInfo", map[string]any{"userId": u[0], "forbiddenFlag": 1}, nil)
	for _, d := range devs {
		select {
		case <-d.Done():
		case <-time.After(10 * time.Second):
			t.Fatalf("%s still connected after forbid", d.name)
		}
		testwait.Eventually(t, 5*time.Second, func() error {
			for _, k := range received[struct{ Code errcode.Code }](d, command.MutualLogin) {
				if k.Code == errcode.UserForbidden.Code {
					return nil
				}
			}
			return fmt.Errorf("%s: no 9002 with 3002", d.name)
		})
	}
	if ack := send(t, connect(t, u[1], 0, false, device.Android), imclient.Message{MessageID: imclient.NewMessageID(), ToID: u[0], Body: "after"}); ack.Err() != nil {
		t.Fatalf("send to the forbidden user: %v", ack.Err())
	}
	for gw := range 2 {
		if err := tryLogin(u[0], gw); !errors.Is(err, errcode.UserForbidden) {
			t.Errorf("forbidden login on gateway %d = %v, want 3002", gw+1, err)
		}
	}
	admin(t, "/v1/user/deleteUser", map[string]any{"userId": []string{u[2]}}, nil)
	if err := tryLogin(u[2], 1); !errors.Is(err, errcode.UserNotFound) {
		t.Errorf("deleted login = %v, want 3000", err)
	}
	if n := sessions(t, u[0]); n != 0 {
		t.Errorf("the forbidden user still has %d sessions", n)
	}
}
