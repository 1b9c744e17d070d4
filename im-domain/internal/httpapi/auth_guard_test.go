package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-domain/internal/app"
	"github.com/whaleim/whaleim/im-domain/internal/user"
)

// fakeNonces is Redis SET NX with the TTL it was asked for.
type fakeNonces struct {
	mu   sync.Mutex
	seen map[string]time.Duration
}

func (f *fakeNonces) ClaimNonce(_ context.Context, appID uint32, id, random string, ttl time.Duration) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := id + "/" + random
	if _, ok := f.seen[k]; ok {
		return false, nil
	}
	f.seen[k] = ttl
	return true, nil
}

// guarded is a server on a fixed clock t0 (moved by the test).
type guarded struct {
	*Server
	users  *fakeUsers
	nonces *fakeNonces
	logs   *bytes.Buffer
	clock  time.Time
}

func newGuarded(t *testing.T, cfg Config) *guarded {
	g := &guarded{users: &fakeUsers{}, nonces: &fakeNonces{seen: map[string]time.Duration{}}, logs: &bytes.Buffer{},
		clock: time.Now().Truncate(time.Second)}
	apps := fakeApps{1: {ID: 1, Secret: testSecret, Admins: []string{"admin"}, Settings: app.DefaultSettings()},
		2: {ID: 2, Secret: "another-secret-of-app-2", Admins: []string{"admin"}, Settings: app.DefaultSettings()}}
	log := slog.New(slog.NewJSONHandler(g.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	g.Server = New(cfg, Services{Apps: apps, Users: g.users, Login: fakePicker{}, Nonces: g.nonces}, nil, prometheus.NewRegistry(), log)
	g.now = func() time.Time { return g.clock }
	return g
}

// from calls path from ip with query q.
func (g *guarded) from(t *testing.T, ip, path string, q url.Values) (int, envelopeT) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path+"?"+q.Encode(), strings.NewReader(`{"userId":"alice","userList":["alice","bob"]}`))
	r.RemoteAddr = ip + ":40000"
	w := httptest.NewRecorder()
	g.Handler().ServeHTTP(w, r)
	var env envelopeT
	if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
		t.Fatalf("not an envelope: %s", w.Body)
	}
	return w.Code, env
}

func (g *guarded) sign(t *testing.T, secret string, appID uint32, id string) url.Values {
	return auth(appID, id, sign(t, secret, appID, id, g.clock, time.Hour))
}

// An unknown appId must not be told apart from a bad sign: same status,
// code and message, so the API cannot be used to enumerate apps.
func TestUnknownAppAnswersLikeBadSign(t *testing.T) {
	g := newGuarded(t, Config{})
	const path = "/v1/user/data/getSingleUserInfo"
	bad := g.sign(t, "a-guessed-secret-xyz", 1, "alice")
	for _, unknown := range []url.Values{g.sign(t, testSecret, 9, "alice"), g.sign(t, "a-guessed-secret-xyz", 4242, "alice")} {
		s1, e1 := g.from(t, "192.0.2.1", path, bad)
		s2, e2 := g.from(t, "192.0.2.1", path, unknown)
		if s1 != s2 || e1.Code != e2.Code || e1.Msg != e2.Msg || e1.Code != 2002 {
			t.Errorf("bad sign: HTTP %d %d %q; unknown app: HTTP %d %d %q", s1, e1.Code, e1.Msg, s2, e2.Code, e2.Msg)
		}
	}
}

// Repeated failures from one (IP, appId) are refused unheard with 2009 /
// HTTP 429, even with a valid sign, until they leak away; other IPs and
// other apps are not affected.
func TestAuthFailuresThrottledPerIPAndApp(t *testing.T) {
	g := newGuarded(t, Config{AuthFailLimit: 3, AuthFailWindow: time.Minute})
	const path = "/v1/user/data/getSingleUserInfo"
	bad, good := g.sign(t, "a-guessed-secret-xyz", 1, "alice"), g.sign(t, testSecret, 1, "alice")
	for i := range 3 {
		if _, env := g.from(t, "192.0.2.1", path, bad); env.Code != 2002 {
			t.Fatalf("failure %d: code %d", i, env.Code)
		}
	}
	status, env := g.from(t, "192.0.2.1", path, good)
	if status != http.StatusTooManyRequests || env.Code != 2009 || !strings.Contains(env.Msg, "too many failed authentications") {
		t.Fatalf("after 3 failures: HTTP %d %+v, want 429 / 2009", status, env)
	}
	if len(g.users.calls) != 0 {
		t.Fatalf("a throttled request reached the service: %v", g.users.calls)
	}
	if _, env := g.from(t, "192.0.2.2", path, good); env.Code != 200 {
		t.Errorf("another IP: %+v", env)
	}
	if _, env := g.from(t, "192.0.2.1", path, g.sign(t, "another-secret-of-app-2", 2, "alice")); env.Code != 200 {
		t.Errorf("another app from the same IP: %+v", env)
	}
	g.clock = g.clock.Add(time.Minute / 3) // one failure leaked away
	if _, env := g.from(t, "192.0.2.1", path, good); env.Code != 200 {
		t.Errorf("after the failures leaked: %+v", env)
	}
}

// One log line per refused authentication (IP, app, identifier, code),
// at most 10 a second, never the sign; the next line counts the dropped.
func TestRefusedAuthLogLines(t *testing.T) {
	g := newGuarded(t, Config{})
	bad := g.sign(t, "a-guessed-secret-xyz", 1, "alice")
	for range 25 {
		g.from(t, "192.0.2.7", "/v1/user/data/getSingleUserInfo", bad)
	}
	g.clock = g.clock.Add(time.Second)
	g.from(t, "192.0.2.7", "/v1/user/data/getSingleUserInfo", bad)
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(g.logs.String()), "\n") {
		var m map[string]any
		_ = json.Unmarshal([]byte(l), &m)
		if m["msg"] == "request refused" {
			t.Fatalf("auth refusal logged twice: %s", l)
		}
		if m["msg"] == "auth refused" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 11 {
		t.Fatalf("%d auth refused lines, want 10 + 1 after a second", len(lines))
	}
	first, last := lines[0], lines[10]
	if first["ip"] != "192.0.2.7" || first["app"] != "1" || first["identifier"] != "alice" || first["code"] != 2002.0 {
		t.Errorf("line = %v", first)
	}
	if last["suppressed"] != 15.0 {
		t.Errorf("suppressed = %v, want 15", last["suppressed"])
	}
	if strings.Contains(g.logs.String(), bad["userSign"][0]) {
		t.Error("the sign reached the log")
	}
}

// queryUserOnlineStatus shows IMEI and login time only to the user itself
// and to admins; others learn online/offline and the client types.
func TestOnlineStatusHidesOthersDevices(t *testing.T) {
	g := newGuarded(t, Config{})
	g.users.online = map[string][]user.Device{
		"alice": {{ClientType: device.IOS, IMEI: "alice-phone", LoginTime: 1700000000000}},
		"bob":   {{ClientType: device.Mac, IMEI: "bob-laptop", LoginTime: 1700000000001}},
	}
	for _, tt := range []struct {
		caller   string
		fullOf   string // whose IMEI the caller may see ("*": everyone)
		hiddenOf string
	}{{"bob", "bob", "alice"}, {"alice", "alice", "bob"}, {"admin", "*", ""}} {
		_, env := g.from(t, "192.0.2.1", "/v1/user/queryUserOnlineStatus", g.sign(t, testSecret, 1, tt.caller))
		var got map[string]struct {
			Session []map[string]any `json:"session"`
		}
		if err := json.Unmarshal(env.Data, &got); err != nil || len(got) != 2 {
			t.Fatalf("%s: %s %v", tt.caller, env.Data, err)
		}
		for id, st := range got {
			s := st.Session[0]
			full := tt.fullOf == "*" || id == tt.fullOf
			_, hasIMEI := s["imei"]
			_, hasTime := s["loginTime"]
			if s["clientType"] == nil || hasIMEI != full || hasTime != full {
				t.Errorf("%s sees %s's session %v", tt.caller, id, s)
			}
		}
	}
}

// IM_ADMIN_NONCE on: an admin call needs a random never used before while
// its sign is valid, remembered for the sign's remaining lifetime. Off: a
// captured admin request can be replayed until IM_ADMIN_SIGN_MAX_AGE.
func TestAdminNonce(t *testing.T) {
	const path = "/v1/user/data/getSingleUserInfo"
	withRandom := func(q url.Values, r string) url.Values {
		q = url.Values{"appId": q["appId"], "identifier": q["identifier"], "userSign": q["userSign"]}
		if r != "" {
			q.Set("random", r)
		}
		return q
	}
	for _, on := range []bool{true, false} {
		g := newGuarded(t, Config{AdminNonce: on, AdminSignMaxAge: 30 * time.Minute})
		admin := g.sign(t, testSecret, 1, "admin") // expires in 1h, max age 30m
		steps := []struct {
			random  string
			wantOn  int
			wantOff int
			what    string
		}{
			{"", 2010, 200, "no random"},
			{"12345", 200, 200, "fresh random"},
			{"12345", 2010, 200, "replayed random"},
			{"67890", 200, 200, "another fresh random"},
			{strings.Repeat("9", 65), 2010, 200, "oversized random"},
		}
		for _, st := range steps {
			want := map[bool]int{true: st.wantOn, false: st.wantOff}[on]
			status, env := g.from(t, "192.0.2.1", path, withRandom(admin, st.random))
			if env.Code != want || (want == 2010 && status != http.StatusUnauthorized) {
				t.Errorf("nonce %v, %s: HTTP %d %+v, want %d", on, st.what, status, env, want)
			}
		}
		if on && g.nonces.seen["admin/12345"] != 30*time.Minute {
			t.Errorf("nonce kept for %v, want the sign's remaining admin lifetime 30m", g.nonces.seen["admin/12345"])
		}
		if !on && len(g.nonces.seen) != 0 {
			t.Errorf("nonces recorded while off: %v", g.nonces.seen)
		}
		// Users need no random: the nonce is for admin calls.
		if _, env := g.from(t, "192.0.2.1", path, g.sign(t, testSecret, 1, "alice")); env.Code != 200 {
			t.Errorf("nonce %v: user call %+v", on, env)
		}
	}
}
