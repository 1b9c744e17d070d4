package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
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
	sign   string // used instead of one made from secret and expire
	// unsigned sends no userSign at all (a WhaleShark-style login).
	unsigned bool
}

// try sends a in a fresh connection and returns the LOGIN ACK code and
// whether the connection stays open.
func (a loginAttempt) try(t *testing.T, g *Gateway) (code float64, open bool) {
	t.Helper()
	code, _, open = a.answer(t, g)
	return code, open
}

// answer is try with the LOGIN ACK's message.
func (a loginAttempt) answer(t *testing.T, g *Gateway) (code float64, msg string, open bool) {
	t.Helper()
	tr := newFakeTransport()
	c := newConn(g, tr, a.ip, time.Now())
	if err := g.hub.add(c, 100, 0); err != nil {
		t.Fatal(err)
	}
	sign := a.sign
	if sign == "" && !a.unsigned {
		sign, _ = usersign.Generate([]byte(a.secret), a.app, a.user, time.Now(), a.expire)
	}
	body, _ := json.Marshal(payload.Login{UserID: a.user, UserSign: sign})
	open = c.handle(t.Context(), packet.Client{Command: command.Login, Device: device.IOS, AppID: a.app, IMEI: "i1", Body: body})
	ack := lastData(t, tr, command.LoginAck)
	code, _ = ack["code"].(float64)
	msg, _ = ack["msg"].(string)
	if !open {
		c.cleanup(t.Context())
	}
	return code, msg, open
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

// TestUnknownAppAnswersLikeBadSign: probing app ids tells nothing.
func TestUnknownAppAnswersLikeBadSign(t *testing.T) {
	g, _, _ := testGateway(t, device.PolicyUnlimited)
	badSign, badMsg, _ := loginAttempt{ip: "10.0.0.1", app: 7, user: "alice", secret: "guess", expire: time.Hour}.answer(t, g)
	tests := []loginAttempt{
		{ip: "10.0.0.2", app: 8, user: "alice", secret: "guess", expire: time.Hour},
		{ip: "10.0.0.3", app: 9, user: "bob", secret: "s", expire: time.Hour},
	}
	for _, a := range tests {
		code, msg, open := a.answer(t, g)
		if code != badSign || msg != badMsg || open {
			t.Errorf("unknown app %d: %v %q (open %v); a bad sign gets %v %q", a.app, code, msg, open, badSign, badMsg)
		}
	}
	if badSign != float64(errcode.SignInvalid.Code) {
		t.Fatalf("bad sign code %v", badSign)
	}
}

// TestFailedLoginsThrottled: after IM_AUTH_FAIL_LIMIT failed sign checks
// from one IP for one app, even a good sign is refused with 1009 and the
// connection closed; other IPs and other apps are not affected.
func TestFailedLoginsThrottled(t *testing.T) {
	g, _, _ := testGateway(t, device.PolicyUnlimited)
	g.cfg.Auth.FailLimit, g.cfg.Auth.FailWindow = 3, time.Hour
	g.guard = newGuard(g.cfg, g.log)
	bad := loginAttempt{ip: "10.0.0.1", app: 7, user: "alice", secret: "guess", expire: time.Hour}
	for range 3 {
		if code, _ := bad.try(t, g); code != float64(errcode.SignInvalid.Code) {
			t.Fatalf("bad sign code %v", code)
		}
	}
	good := loginAttempt{ip: "10.0.0.1", app: 7, user: "alice", secret: "s", expire: time.Hour}
	tests := []struct {
		name string
		a    loginAttempt
		want float64
	}{
		{"same IP and app", good, float64(errcode.RateLimited.Code)},
		{"same IP, unknown app", loginAttempt{ip: "10.0.0.1", app: 8, user: "alice", secret: "s", expire: time.Hour}, float64(errcode.SignInvalid.Code)},
		{"other IP", loginAttempt{ip: "10.0.0.2", app: 7, user: "alice", secret: "s", expire: time.Hour}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, open := tt.a.try(t, g)
			if code != tt.want || open != (tt.want == 200) {
				t.Fatalf("login = %v (open %v), want %v", code, open, tt.want)
			}
		})
	}
}

// TestRefusalLog: a refused login, a forged sender and a framing violation
// each log one line with IP, app, user and code, never the sign; a flood
// is held to the budget.
func TestRefusalLog(t *testing.T) {
	g, _, _ := testGateway(t, device.PolicyUnlimited)
	var buf syncBuffer
	g.guard.log.log = slog.New(slog.NewTextHandler(&buf, nil))
	sign, _ := usersign.Generate([]byte("guess"), 7, "mallory", time.Now(), time.Hour)
	loginAttempt{ip: "10.9.9.9", app: 7, user: "mallory", sign: sign}.try(t, g)
	line := buf.String()
	for _, want := range []string{"refused login", "ip=10.9.9.9", "app=7", "user=mallory", "code=2002"} {
		if !strings.Contains(line, want) {
			t.Errorf("log %q lacks %q", line, want)
		}
	}
	if strings.Contains(line, sign) || strings.Contains(line, sign[:16]) {
		t.Error("the sign reached the log")
	}
	c, _ := login(t, g, "alice", device.IOS, "i1")
	c.refuse(packet.Client{Command: command.MessageP2P, AppID: 7}, errcode.SenderMismatch, false)
	if !strings.Contains(buf.String(), "refused forged sender") || !strings.Contains(buf.String(), "user=alice") {
		t.Errorf("no forged sender line: %s", buf.String())
	}
	for range 10 * refusalBurst {
		g.guard.log.note("frame", "10.1.1.1", 7, "", errcode.MalformedFrame)
	}
	if n := strings.Count(buf.String(), "\n"); n > refusalBurst+5 {
		t.Errorf("%d lines logged for a flood, want at most the burst %d", n, refusalBurst)
	}
}

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLoginPreviousSecret: after a rotation, a sign of the replaced secret
// logs in until the overlap ends, then is refused like any bad sign.
func TestLoginPreviousSecret(t *testing.T) {
	g, _, _ := testGateway(t, device.PolicyUnlimited)
	tests := []struct {
		name   string
		until  time.Duration // overlap end relative to now
		secret string
		want   float64
	}{
		{"current secret", time.Hour, "new", 200},
		{"previous secret in the window", time.Hour, "s", 200},
		{"previous secret after the window", -time.Second, "s", 2002},
		{"unrelated secret", time.Hour, "x", 2002},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g.apps = fakeApps{7: {Secret: []byte("new"), Policy: device.PolicyUnlimited, Previous: []byte("s"), PreviousUntil: time.Now().Add(tt.until)}}
			code, _ := loginAttempt{ip: "10.0.0.2", app: 7, user: "alice", secret: tt.secret, expire: time.Hour}.try(t, g)
			if code != tt.want {
				t.Fatalf("login code = %v, want %v", code, tt.want)
			}
		})
	}
}

// TestLoginWhaleSharkSign: IM-WhaleShark's own sign format logs in only
// where IM_USER_SIGN_WHALESHARK opts in.
func TestLoginWhaleSharkSign(t *testing.T) {
	sign, err := usersign.GenerateWhaleShark([]byte("s"), 7, "alice", time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		optIn bool
		want  errcode.Code
	}{
		{"off by default", false, errcode.SignInvalid.Code},
		{"opted in", true, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, _, _ := testGateway(t, device.PolicyUnlimited)
			g.cfg.Auth.WhaleSharkSigns = tt.optIn
			code, _ := loginAttempt{ip: "10.0.0.1", app: 7, user: "alice", secret: "s", sign: sign}.try(t, g)
			if errcode.Code(code) != tt.want {
				t.Fatalf("login code = %v, want %d", code, tt.want)
			}
		})
	}
}
