package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-common/usersign"
)

// loginAttempt is one 9000 LOGIN from ip with the given sign parameters.
type loginAttempt struct {
	ip     string
	app    uint32
	user   string
	secret string
	expire time.Duration
}

// try sends a in a fresh connection and returns the LOGIN ACK code and
// whether the connection stays open.
func (a loginAttempt) try(t *testing.T, g *Gateway) (code float64, open bool) {
	t.Helper()
	tr := newFakeTransport()
	c := newConn(g, tr, a.ip, time.Now())
	if err := g.hub.add(c, 100, 0); err != nil {
		t.Fatal(err)
	}
	sign, _ := usersign.Generate([]byte(a.secret), a.app, a.user, time.Now(), a.expire)
	body, _ := json.Marshal(payload.Login{UserID: a.user, UserSign: sign})
	open = c.handle(t.Context(), packet.Client{Command: command.Login, Device: device.IOS, AppID: a.app, IMEI: "i1", Body: body})
	code, _ = lastData(t, tr, command.LoginAck)["code"].(float64)
	if !open {
		c.cleanup(t.Context())
	}
	return code, open
}

func TestLoginSignLifetime(t *testing.T) {
	g, _, _ := testGateway(t, device.PolicyUnlimited)
	g.cfg.Auth.SignMaxLifetime = 30 * 24 * time.Hour
	tests := []struct {
		name   string
		expire time.Duration
		want   float64
	}{
		{"within the maximum", 30 * 24 * time.Hour, 200},
		{"over the maximum", 30*24*time.Hour + time.Second, 2002},
		{"ten years", 10 * 365 * 24 * time.Hour, 2002},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _ := loginAttempt{ip: "10.0.0.1", app: 7, user: "alice", secret: "s", expire: tt.expire}.try(t, g)
			if code != tt.want {
				t.Fatalf("login code = %v, want %v", code, tt.want)
			}
		})
	}
}

// TestLoginUserState: a valid sign is not enough; the domain's verdict on
// the user decides, and no verdict is a retryable refusal.
func TestLoginUserState(t *testing.T) {
	g, _, ss := testGateway(t, device.PolicyUnlimited)
	g.users = fakeUsers{
		"fred":  errcode.UserForbidden,
		"ghost": errcode.UserNotFound.With("ghost"),
		"dora":  fmt.Errorf("%w: login check: %w", errcode.Unavailable, errors.New("no reply")),
	}
	tests := []struct {
		user string
		want errcode.Code
	}{
		{"alice", 200},
		{"fred", errcode.UserForbidden.Code},
		{"ghost", errcode.UserNotFound.Code},
		{"dora", errcode.Unavailable.Code},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			code, open := loginAttempt{ip: "10.0.0.1", app: 7, user: tt.user, secret: "s", expire: time.Hour}.try(t, g)
			if errcode.Code(code) != tt.want || open != (tt.want == 200) {
				t.Fatalf("login = %v (open %v), want %d", code, open, tt.want)
			}
			ss.mu.Lock()
			n := len(ss.m[session.Key(7, tt.user)])
			ss.mu.Unlock()
			if tt.want != 200 && n != 0 {
				t.Errorf("a refused login wrote a session")
			}
		})
	}
}
