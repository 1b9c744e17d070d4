package gateway

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
)

// The insecure development switch accepts a WhaleShark-style login (no
// userSign) and nothing else: off, such a login is refused; on, a sign
// that is present is still checked, the app must exist and the user may
// still be refused by the domain.
func TestInsecureLoginWithoutSign(t *testing.T) {
	tests := []struct {
		name     string
		insecure bool
		a        loginAttempt
		want     float64
	}{
		{"off: no sign refused", false, loginAttempt{app: 7, user: "alice", unsigned: true}, float64(errcode.SignMissing.Code)},
		{"on: no sign accepted", true, loginAttempt{app: 7, user: "alice", unsigned: true}, 200},
		{"on: a wrong sign is still refused", true, loginAttempt{app: 7, user: "alice", sign: "garbage"}, float64(errcode.SignInvalid.Code)},
		{"on: a good sign works", true, loginAttempt{app: 7, user: "alice", secret: "s", expire: 3600e9}, 200},
		{"on: unknown app refused", true, loginAttempt{app: 8, user: "alice", unsigned: true}, float64(errcode.SignMissing.Code)},
		{"on: forbidden user refused", true, loginAttempt{app: 7, user: "banned", unsigned: true}, float64(errcode.UserForbidden.Code)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, _, _ := testGateway(t, device.PolicyUnlimited)
			g.cfg.InsecureLoginWithoutSign = tt.insecure
			g.users = fakeUsers{"banned": errcode.UserForbidden}
			tt.a.ip = "10.0.0.9"
			code, open := tt.a.try(t, g)
			if code != tt.want || open != (tt.want == 200) {
				t.Fatalf("login code %v open %v, want %v", code, open, tt.want)
			}
		})
	}
}

// Switched on, the gateway says so at start, at WARN; off, it says nothing.
func TestInsecureLoginWarnsAtStart(t *testing.T) {
	for _, on := range []bool{false, true} {
		var buf bytes.Buffer
		cfg := DefaultConfig("b1")
		cfg.InsecureLoginWithoutSign = on
		_, err := New(cfg, Deps{Sessions: &fakeSessions{}, Apps: fakeApps{}, Users: fakeUsers{},
			Publisher: &fakePublisher{}, Subscriber: nopSubscriber{}, Registry: nopRegistry{},
			Log: slog.New(slog.NewTextHandler(&buf, nil))})
		if err != nil {
			t.Fatal(err)
		}
		warned := strings.Contains(buf.String(), "level=WARN") && strings.Contains(buf.String(), "IM_INSECURE_LOGIN_WITHOUT_SIGN")
		if warned != on {
			t.Fatalf("switch %v: warning logged = %v (log %q)", on, warned, buf.String())
		}
	}
}
