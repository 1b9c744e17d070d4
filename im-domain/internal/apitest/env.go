package apitest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/logging"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-common/usersign"
	"github.com/whaleim/whaleim/im-domain/domain"
	"github.com/whaleim/whaleim/im-domain/internal/app"
	"github.com/whaleim/whaleim/im-domain/internal/mariadb"
)

// Env is one running domain node with its own random app.
type Env struct {
	T        *testing.T
	URL      string
	AppID    uint32
	Secret   string
	Admin    string // the app's admin identifier
	Pushes   *Pushes
	Gateways *Gateways
	Redis    *redis.Client
	// Client calls URL: http.DefaultClient, or one trusting the node's
	// certificate when the node serves HTTPS (domain.Config.TLS).
	Client *http.Client
	log    *syncWriter
}

// Logs returns everything the node logged so far (to assert on redaction).
func (e *Env) Logs() string { return e.log.String() }

// Option changes the new app before the node serves.
type Option func(*app.Settings)

// WithSettings changes the app's settings (callbacks, send checks...).
func WithSettings(fn func(*app.Settings)) Option { return Option(fn) }

// Start runs a node for t with a new app. The node runs as in production
// (Node.Run: HTTP plus its background runners, so after-callbacks are
// delivered) and is stopped at cleanup.
func Start(t *testing.T, opts ...Option) *Env {
	t.Helper()
	return StartWith(t, nil, opts...)
}

// StartWith is Start with node configuration changed by node (nil: none),
// e.g. the auth failure throttle or the admin nonce.
func StartWith(t *testing.T, node func(*domain.Config), opts ...Option) *Env {
	t.Helper()
	e := &Env{T: t, AppID: RandomAppID(), Secret: "secret-" + randomHex(12), Admin: "admin",
		Pushes: newPushes(t), Gateways: &Gateways{}, Redis: Redis(t), log: &syncWriter{}}
	// AppRepublish off: the package's apps share one Redis, and a running
	// node would re-create the app keys of tests that already cleaned up.
	cfg := domain.Config{AppID: e.AppID, AppSecret: e.Secret, AppAdmins: []string{e.Admin},
		AdminSignMaxAge: time.Hour, SessionTTL: time.Minute, AppCacheTTL: time.Second, AppRepublish: -1,
		ShutdownTimeout: time.Second}
	cfg.Auth.SignMaxLifetime = 30 * 24 * time.Hour
	cfg.MySQL.DSN, cfg.MySQL.MaxConns = DSN(t), 5
	cfg.Redis.Addr = RedisAddr()
	// The app's own stream: a node of another test must not take its events.
	cfg.PresenceStream = strconv.FormatUint(uint64(e.AppID), 10) + ":presenceStream"
	if node != nil {
		node(&cfg)
	}
	log := slog.New(slog.NewJSONHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug,
		ReplaceAttr: redactAttr}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("apitest: listen: %v", err)
	}
	n, err := domain.New(t.Context(), cfg, domain.Deps{Queue: e.Pushes, Gateways: e.Gateways, Listener: ln, Log: log})
	if err != nil {
		ln.Close()
		t.Fatalf("apitest: start domain: %v", err)
	}
	e.URL, e.Client = "http://"+ln.Addr().String(), http.DefaultClient
	if cfg.TLS.Config != nil {
		e.URL, e.Client = "https://"+ln.Addr().String(), trusting(t, cfg.TLS.Config)
	}
	// Settings are written before the first request: the node has not
	// cached the app yet, so it reads them on first use.
	e.configure(opts)
	ctx, stop := context.WithCancel(context.WithoutCancel(t.Context()))
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("apitest: node run: %v", err)
		}
		n.Close()
		e.cleanRedis()
	})
	return e
}

func (e *Env) configure(opts []Option) {
	if len(opts) == 0 {
		return
	}
	db, err := mariadb.Wrap(e.T.Context(), OpenDB(e.T), 2)
	if err != nil {
		e.T.Fatalf("apitest: %v", err)
	}
	a, err := db.App(e.T.Context(), e.AppID)
	if err != nil {
		e.T.Fatalf("apitest: load app: %v", err)
	}
	for _, o := range opts {
		o(&a.Settings)
	}
	if err := db.SaveApp(e.T.Context(), a); err != nil {
		e.T.Fatalf("apitest: save app: %v", err)
	}
}

// redactAttr applies the production redaction rule to the test log.
func redactAttr(_ []string, a slog.Attr) slog.Attr {
	if logging.Sensitive(a.Key) {
		return slog.String(a.Key, logging.Redacted)
	}
	return a
}

func (e *Env) cleanRedis() {
	ctx := context.Background()
	iter := e.Redis.Scan(ctx, 0, strconv.FormatUint(uint64(e.AppID), 10)+":*", 100).Iterator()
	for iter.Next(ctx) {
		e.Redis.Del(ctx, iter.Val())
	}
}

// Sign returns a valid sign of identifier for this app (1 hour).
func (e *Env) Sign(identifier string) string {
	return e.SignWith(e.Secret, e.AppID, identifier, time.Now(), time.Hour)
}

// SignWith returns a sign with every parameter chosen by the test.
func (e *Env) SignWith(secret string, appID uint32, identifier string, issued time.Time, ttl time.Duration) string {
	s, err := usersign.Generate([]byte(secret), appID, identifier, issued, ttl)
	if err != nil {
		e.T.Fatalf("apitest: sign: %v", err)
	}
	return s
}

// Request is a fully controlled call.
type Request struct {
	Path   string
	Method string            // default POST
	Query  url.Values        // auth parameters go here (or in Header)
	Header map[string]string // e.g. X-IM-UserSign
	Body   any               // marshalled to JSON; a []byte or string is sent as is
}

// Call posts body to path as identifier, with a fresh valid sign and a
// fresh random (for IM_ADMIN_NONCE) in the query string (WhaleShark style).
func (e *Env) Call(identifier, path string, body any) Response {
	q := url.Values{"appId": {strconv.FormatUint(uint64(e.AppID), 10)}, "identifier": {identifier}, "userSign": {e.Sign(identifier)},
		"random": {randomHex(8)}}
	return e.Do(Request{Path: path, Query: q, Body: body})
}

// Do sends req and decodes the envelope.
func (e *Env) Do(req Request) Response {
	e.T.Helper()
	var body []byte
	switch b := req.Body.(type) {
	case []byte:
		body = b
	case string:
		body = []byte(b)
	case nil:
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			e.T.Fatalf("apitest: marshal: %v", err)
		}
	}
	if req.Method == "" {
		req.Method = http.MethodPost
	}
	u := e.URL + req.Path
	if len(req.Query) > 0 {
		u += "?" + req.Query.Encode()
	}
	hr, err := http.NewRequestWithContext(e.T.Context(), req.Method, u, bytes.NewReader(body))
	if err != nil {
		e.T.Fatalf("apitest: %v", err)
	}
	hr.Header.Set("Content-Type", "application/json")
	for k, v := range req.Header {
		hr.Header.Set(k, v)
	}
	return e.send(hr)
}

func (e *Env) send(hr *http.Request) Response {
	e.T.Helper()
	resp, err := e.Client.Do(hr)
	if err != nil {
		e.T.Fatalf("apitest: %s: %v", hr.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		e.T.Fatalf("apitest: %s: not an envelope (%d): %s", hr.URL.Path, resp.StatusCode, raw)
	}
	return Response{Status: resp.StatusCode, Code: env.Code, Msg: env.Msg, Data: env.Data, Raw: raw}
}

// SetOnline writes a live device session, as a gateway would.
func (e *Env) SetOnline(userID, broker string, ct device.Type, imei string) {
	now := time.Now().UnixMilli()
	s, _ := json.Marshal(session.Session{Broker: broker, ClientType: ct, IMEI: imei, LoginTime: now, Seen: now})
	id := device.ID{AppID: e.AppID, UserID: userID, Type: ct, IMEI: imei}
	if err := e.Redis.HSet(e.T.Context(), session.Key(e.AppID, userID), id.Field(), s).Err(); err != nil {
		e.T.Fatalf("apitest: set session: %v", err)
	}
}

// presenceScript is a gateway's claim (ARGV[7] = the session) or remove
// (no ARGV[7]) of one field, with its presence event.
var presenceScript = redis.NewScript(session.PresenceLua + `
local before = im_before()
local field = ARGV[5] .. ':' .. ARGV[6]
if ARGV[7] then redis.call('HSET', KEYS[1], field, ARGV[7]) else redis.call('HDEL', KEYS[1], field) end
im_after(before)
return 1`)

// Connect writes a live session as a gateway's login does, with the
// presence event when it is the user's first device.
func (e *Env) Connect(userID, broker string, ct device.Type, imei string) {
	now := time.Now().UnixMilli()
	s, _ := json.Marshal(session.Session{Broker: broker, ClientType: ct, IMEI: imei, LoginTime: now, Seen: now})
	e.presence(userID, ct, imei, string(s))
}

// Disconnect deletes a session as a gateway's logout does, with the
// presence event when it was the user's last device.
func (e *Env) Disconnect(userID string, ct device.Type, imei string) { e.presence(userID, ct, imei) }

func (e *Env) presence(userID string, ct device.Type, imei string, value ...any) {
	e.T.Helper()
	id := device.ID{AppID: e.AppID, UserID: userID, Type: ct, IMEI: imei}
	args := append(session.PresenceArgs(time.Now(), time.Minute, id), value...)
	stream := strconv.FormatUint(uint64(e.AppID), 10) + ":presenceStream"
	if err := presenceScript.Run(e.T.Context(), e.Redis, session.PresenceKeys(stream, e.AppID, userID), args...).Err(); err != nil {
		e.T.Fatalf("apitest: presence: %v", err)
	}
}

// ImportUsers creates users with default profiles (nickName = id) as admin.
func (e *Env) ImportUsers(ids ...string) {
	e.T.Helper()
	var users []map[string]any
	for _, id := range ids {
		users = append(users, map[string]any{"userId": id, "nickName": id})
	}
	e.Call(e.Admin, "/v1/user/importUser", map[string]any{"userData": users}).WantCode(e.T, 200)
}

// trusting returns a client that trusts the server certificate of srv.
func trusting(t *testing.T, srv *tls.Config) *http.Client {
	pool := x509.NewCertPool()
	for _, c := range srv.Certificates {
		leaf, err := x509.ParseCertificate(c.Certificate[0])
		if err != nil {
			t.Fatalf("apitest: certificate: %v", err)
		}
		pool.AddCert(leaf)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr}
}
