package gateway

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
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
