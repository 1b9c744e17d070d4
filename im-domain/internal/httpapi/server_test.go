package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/usersign"
	"github.com/whaleim/whaleim/im-domain/internal/app"
	"github.com/whaleim/whaleim/im-domain/internal/routing"
	"github.com/whaleim/whaleim/im-domain/internal/user"
)

const testSecret = "0123456789abcdef-test"

type fakeApps map[uint32]*app.App

func (f fakeApps) App(_ context.Context, id uint32) (*app.App, error) {
	if a, ok := f[id]; ok {
		return a, nil
	}
	return nil, errcode.AppNotFound
}

// fakeUsers records the calls that reach the service.
type fakeUsers struct {
	calls  []string
	online map[string][]user.Device
}

func (f *fakeUsers) Import(_ context.Context, _ uint32, us []user.User) (user.Result, error) {
	f.calls = append(f.calls, "import")
	return user.Result{}, nil
}
func (f *fakeUsers) Get(context.Context, uint32, []string) ([]user.User, []string, error) {
	f.calls = append(f.calls, "get")
	return nil, nil, nil
}
func (f *fakeUsers) One(context.Context, uint32, string) (user.User, error) {
	f.calls = append(f.calls, "one")
	return user.User{}, nil
}
func (f *fakeUsers) Modify(context.Context, uint32, string, user.Patch, *device.ID) (user.User, error) {
	f.calls = append(f.calls, "modify")
	return user.User{}, nil
}
func (f *fakeUsers) Delete(context.Context, uint32, []string) (user.Result, error) {
	f.calls = append(f.calls, "delete")
	return user.Result{}, nil
}
func (f *fakeUsers) Online(_ context.Context, _ uint32, ids []string) (map[string][]user.Device, error) {
	f.calls = append(f.calls, "online")
	out := map[string][]user.Device{}
	for _, id := range ids {
		out[id] = f.online[id]
	}
	return out, nil
}
func (f *fakeUsers) Sequences(context.Context, uint32, string) (map[string]int64, error) {
	f.calls = append(f.calls, "sequences")
	return nil, nil
}
func (f *fakeUsers) CanLogin(context.Context, uint32, string) error { return nil }

type fakePicker struct{}

func (fakePicker) Pick(context.Context, app.RouteStrategy, string, device.Type) (routing.Address, error) {
	return routing.Address{BrokerID: "g1"}, nil
}

func newTestServer(t *testing.T) (*Server, *fakeUsers, *bytes.Buffer) {
	users := &fakeUsers{}
	apps := fakeApps{
		1: {ID: 1, Secret: testSecret, Admins: []string{"admin"}, Settings: app.DefaultSettings()},
		2: {ID: 2, Secret: "another-secret-of-app-2", Admins: []string{"admin"}, Settings: app.DefaultSettings()},
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := New(Config{AdminSignMaxAge: time.Hour}, Services{Apps: apps, Users: users, Login: fakePicker{}}, nil, prometheus.NewRegistry(), log)
	return s, users, &logs
}

func sign(t *testing.T, secret string, appID uint32, id string, issued time.Time, ttl time.Duration) string {
	s, err := usersign.Generate([]byte(secret), appID, id, issued, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type envelopeT struct {
	Code int             `json:"code"`
	Msg  string          `json:"msg"`
	Data json.RawMessage `json:"data"`
}

func call(t *testing.T, s *Server, path string, q url.Values, h http.Header, body string) (int, envelopeT) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path+"?"+q.Encode(), strings.NewReader(body))
	for k, v := range h {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	var env envelopeT
	if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
		t.Fatalf("not an envelope: %s", w.Body)
	}
	return w.Code, env
}

func auth(appID uint32, id, sign string) url.Values {
	return url.Values{"appId": {strconv.Itoa(int(appID))}, "identifier": {id}, "userSign": {sign}}
}

func TestAuthRefusals(t *testing.T) {
	now := time.Now()
	good := sign(t, testSecret, 1, "alice", now, time.Hour)
	tests := []struct {
		name   string
		q      url.Values
		h      http.Header
		code   int
		status int
	}{
		{"no sign", url.Values{"appId": {"1"}, "identifier": {"alice"}}, nil, 2001, 401},
		{"no appId", url.Values{"identifier": {"alice"}, "userSign": {good}}, nil, 2000, 401},
		{"no identifier", url.Values{"appId": {"1"}, "userSign": {good}}, nil, 2000, 401},
		{"garbage sign", auth(1, "alice", "not-a-sign"), nil, 2002, 401},
		{"wrong secret", auth(1, "alice", sign(t, "some-other-secret-xx", 1, "alice", now, time.Hour)), nil, 2002, 401},
		{"expired", auth(1, "alice", sign(t, testSecret, 1, "alice", now.Add(-2*time.Hour), time.Hour)), nil, 2003, 401},
		{"other app's sign", auth(1, "alice", sign(t, "another-secret-of-app-2", 2, "alice", now, time.Hour)), nil, 2004, 401},
		{"unknown app: like a bad sign", auth(9, "alice", sign(t, testSecret, 9, "alice", now, time.Hour)), nil, 2002, 401},
		{"identifier with a trailing space", auth(1, "alice ", sign(t, testSecret, 1, "alice ", now, time.Hour)), nil, 2000, 401},
		{"identifier with a control character", auth(1, "ali\x00ce", sign(t, testSecret, 1, "ali\x00ce", now, time.Hour)), nil, 2000, 401},
		{"identifier with the conversation separator", auth(1, "P2:P3", sign(t, testSecret, 1, "P2:P3", now, time.Hour)), nil, 2000, 401},
		{"sign of another user", auth(1, "alice", sign(t, testSecret, 1, "bob", now, time.Hour)), nil, 2005, 403},
		{"admin sign too old", auth(1, "admin", sign(t, testSecret, 1, "admin", now.Add(-2*time.Hour), 24*time.Hour)), nil, 2003, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, users, _ := newTestServer(t)
			status, env := call(t, s, "/v1/user/data/getSingleUserInfo", tt.q, tt.h, `{"userId":"alice"}`)
			if env.Code != tt.code || status != tt.status {
				t.Errorf("got code %d HTTP %d (%s), want %d HTTP %d", env.Code, status, env.Msg, tt.code, tt.status)
			}
			if len(users.calls) != 0 {
				t.Errorf("service reached: %v", users.calls)
			}
		})
	}
}

func TestAuthHeadersAndAdminActing(t *testing.T) {
	s, users, logs := newTestServer(t)
	userSign := sign(t, testSecret, 1, "alice", time.Now(), time.Hour)
	h := http.Header{"X-Im-Appid": {"1"}, "X-Im-Identifier": {"alice"}, "X-Im-Usersign": {userSign}}
	if _, env := call(t, s, "/v1/user/data/getSingleUserInfo", nil, h, `{"userId":"bob"}`); env.Code != 200 {
		t.Fatalf("header auth: %+v", env)
	}
	// A user acting as another user is refused; the admin may.
	if _, env := call(t, s, "/v1/user/data/modifyUserInfo", nil, h, `{"userId":"bob","nickName":"x"}`); env.Code != 2005 {
		t.Errorf("user modifying bob: %+v", env)
	}
	if _, env := call(t, s, "/v1/user/data/getSingleUserInfo", nil, h, `{"operater":"bob","userId":"bob"}`); env.Code != 2005 {
		t.Errorf("user with operater=bob: %+v", env)
	}
	admin := auth(1, "admin", sign(t, testSecret, 1, "admin", time.Now(), time.Hour))
	if _, env := call(t, s, "/v1/user/data/modifyUserInfo", admin, nil, `{"operater":"bob","userId":"bob","nickName":"x"}`); env.Code != 200 {
		t.Errorf("admin modifying bob: %+v", env)
	}
	if !slices.Equal(users.calls, []string{"one", "modify"}) {
		t.Errorf("calls = %v", users.calls)
	}
	if strings.Contains(logs.String(), userSign) || strings.Contains(logs.String(), "userSign=") {
		t.Errorf("sign leaked into logs: %s", logs)
	}
}

func TestBadInput(t *testing.T) {
	q := auth(1, "admin", sign(t, testSecret, 1, "admin", time.Now(), time.Hour))
	many := `{"userId":[` + strings.Repeat(`"u",`, 100) + `"u"]}`
	huge := `{"userId":["` + strings.Repeat("x", DefaultMaxBody) + `"]}`
	tests := []struct {
		name, path, body string
		code, status     int
	}{
		{"malformed", "/v1/user/deleteUser", `{"userId":`, 1001, 400},
		{"not json", "/v1/user/deleteUser", `hello`, 1001, 400},
		{"empty body", "/v1/user/deleteUser", ``, 1001, 400},
		{"trailing data", "/v1/user/deleteUser", `{"userId":["a"]} {}`, 1001, 400},
		{"wrong type", "/v1/user/deleteUser", `{"userId":"a"}`, 1002, 400},
		{"wrong type appId", "/v1/user/deleteUser", `{"appId":"x","userId":["a"]}`, 1002, 400},
		{"missing field", "/v1/user/deleteUser", `{}`, 1002, 400},
		{"batch too large", "/v1/user/deleteUser", many, 1003, 413},
		{"body too large", "/v1/user/deleteUser", huge, 1003, 413},
		{"body appId differs", "/v1/user/deleteUser", `{"appId":2,"userId":["a"]}`, 2004, 401},
		{"login without clientType", "/v1/user/login", `{"userId":"a"}`, 1002, 400},
		{"unknown endpoint", "/v1/user/nope", `{}`, 1008, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, users, _ := newTestServer(t)
			status, env := call(t, s, tt.path, q, nil, tt.body)
			if env.Code != tt.code || status != tt.status {
				t.Errorf("got code %d HTTP %d (%s), want %d HTTP %d", env.Code, status, env.Msg, tt.code, tt.status)
			}
			if len(users.calls) != 0 {
				t.Errorf("service reached: %v", users.calls)
			}
		})
	}
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	s, _, _ := newTestServer(t)
	doc, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, r := range DocumentedRoutes(doc) {
		documented[r] = true
	}
	registered := map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /metrics": true, "GET /openapi.json": true}
	for _, r := range s.Routes() {
		registered[r] = true
	}
	for r := range registered {
		if !documented[r] {
			t.Errorf("route %s is not documented in openapi/*.json", r)
		}
	}
	for r := range documented {
		if !registered[r] {
			t.Errorf("documented %s is not registered", r)
		}
	}
}

func TestOpsEndpoints(t *testing.T) {
	s, _, _ := newTestServer(t)
	call(t, s, "/v1/user/deleteUser", nil, nil, `{}`) // so /metrics has a series
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/openapi.json"} {
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		body, _ := io.ReadAll(w.Body)
		if w.Code != 200 || len(body) == 0 {
			t.Errorf("%s: %d %s", path, w.Code, body)
		}
	}
}

func TestStatusMapping(t *testing.T) {
	tests := []struct {
		e      *errcode.Error
		status int
	}{{errcode.Success, 200}, {errcode.MalformedJSON, 400}, {errcode.BatchTooLarge, 413},
		{errcode.SignExpired, 401}, {errcode.IdentityMismatch, 403}, {errcode.UserNotFound, 404},
		{errcode.AlreadyFriends, 409}, {errcode.Internal, 500}, {errcode.Unavailable, 503}}
	for _, tt := range tests {
		if got := statusOf(tt.e.Code); got != tt.status {
			t.Errorf("%d -> %d, want %d", tt.e.Code, got, tt.status)
		}
	}
}

// The runtime profiles are served only when configured, and only to
// loopback clients.
func TestPprofBehindSetting(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name   string
		pprof  bool
		remote string
		want   int
	}{
		{"off", false, "127.0.0.1:4000", 404},
		{"on, loopback", true, "127.0.0.1:4000", 200},
		{"on, network", true, "10.0.0.9:4000", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Config{Pprof: tt.pprof}, Services{Apps: fakeApps{}, Users: &fakeUsers{}, Login: fakePicker{}}, nil, prometheus.NewRegistry(), log)
			req := httptest.NewRequest(http.MethodGet, "/debug/pprof/", nil)
			req.RemoteAddr = tt.remote
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, req)
			if w.Code != tt.want {
				t.Fatalf("GET /debug/pprof/ = %d, want %d", w.Code, tt.want)
			}
		})
	}
}
