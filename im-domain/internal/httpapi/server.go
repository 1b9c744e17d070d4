package httpapi

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/profiling"
	"github.com/whaleim/whaleim/im-common/usersign"
)

// Config tunes the API.
type Config struct {
	// AdminSignMaxAge: admin signs issued longer ago are refused (0: no
	// limit beyond the sign's own expiry).
	AdminSignMaxAge time.Duration
	// SignOptions are the userSign checks (lifetime bound, formats) shared
	// with the gateway's login (config.Auth.SignOptions).
	SignOptions []usersign.Option
	// AdminNonce: every admin call must carry a fresh random (Services.Nonces).
	AdminNonce bool
	// AuthFailLimit failed authentications per (client IP, appId) within
	// AuthFailWindow throttle that source with 2009 / HTTP 429 (0: off).
	AuthFailLimit  int
	AuthFailWindow time.Duration
	MaxBody        int64 // bytes; 0 means DefaultMaxBody
	// Pprof mounts /debug/pprof/ (loopback clients only).
	Pprof bool
}

// Services are the feature services behind the routes. Adding a feature
// adds its field here and its xxxRoutes to routes().
type Services struct {
	Apps          Apps
	Users         UserService
	Login         LoginService
	Conversations ConversationService
	Friends       FriendService
	Groups        GroupService
	Messages      MessageService
	AppSettings   AppSettingsService // app admin: settings and secret rotation
	Nonces        Nonces             // admin call randoms; needed when Config.AdminNonce
	Sessions      SessionAdmin       // app admin: online users, gateways, logout, broadcast
	Presence      PresenceService    // online status subscriptions, custom status, queries
	Push          PushService        // device push tokens, test push
}

// Check is a named readiness check (MySQL ping, Redis ping, MQ connected).
type Check struct {
	Name  string
	Check func(ctx context.Context) error
	// Detail, when set, is shown instead of "ok" while the check passes
	// (the uplink shards a node consumes: "32/64").
	Detail func() string
}

// Server is the HTTP API.
type Server struct {
	cfg     Config
	svc     Services
	checks  []Check
	log     *slog.Logger
	mux     *http.ServeMux
	metrics *metrics
	gather  prometheus.Gatherer
	now     func() time.Time
	routes  []string // registered /v1 patterns, for the OpenAPI test
	guard   *guard
	decoy   []byte // secret that no sign matches, for unknown apps
}

// New builds the server and registers every route. reg receives the HTTP
// metrics and is served at /metrics.
func New(cfg Config, svc Services, checks []Check, reg *prometheus.Registry, log *slog.Logger) *Server {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	s := &Server{cfg: cfg, svc: svc, checks: checks, log: log.With("component", "httpapi"),
		mux: http.NewServeMux(), metrics: newMetrics(reg), gather: reg, now: time.Now,
		guard: newGuard(cfg.AuthFailLimit, cfg.AuthFailWindow), decoy: make([]byte, 32)}
	_, _ = rand.Read(s.decoy) // crypto/rand never fails (Go 1.24+)
	s.register()
	return s
}

// register assembles every route. A new feature is one line here.
func (s *Server) register() {
	for _, feature := range []func(){
		s.userRoutes,
		s.loginRoutes,
		s.groupRoutes,
		s.conversationRoutes,
		s.friendRoutes,
		s.messageRoutes,
		s.appRoutes,
		s.adminSessionRoutes,
		s.presenceRoutes,
		s.pushRoutes,
	} {
		feature()
	}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.gather, promhttp.HandlerOpts{}))
	s.mux.HandleFunc("GET /openapi.json", serveOpenAPI)
	if s.cfg.Pprof {
		profiling.Mount(s.mux)
	}
	s.mux.HandleFunc("/v1/", s.notFound)
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.mux }

// Routes lists the registered /v1 patterns ("POST /v1/user/importUser").
func (s *Server) Routes() []string { return slices.Clone(s.routes) }

// handlerFunc is a /v1 endpoint: it returns the envelope's data or an error.
type handlerFunc func(w http.ResponseWriter, r *http.Request, c *Caller) (any, error)

// api registers an authenticated /v1 endpoint.
func (s *Server) api(pattern string, h handlerFunc) {
	s.routes = append(s.routes, pattern)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		c, err := s.authenticate(r)
		var data any
		if err == nil {
			data, err = h(w, r, c)
		}
		code := write(w, data, err)
		s.observe(r, pattern, c, code, err, s.now().Sub(start))
	})
}

// observe records metrics and logs the request. Never the query string: it
// carries the userSign.
func (s *Server) observe(r *http.Request, pattern string, c *Caller, code errcode.Code, err error, d time.Duration) {
	s.metrics.observe(pattern, code, d)
	attrs := []any{"route", pattern, "code", int(code), "ms", d.Milliseconds()}
	if c != nil {
		attrs = append(attrs, "app", c.App.ID, "identifier", c.Identifier)
	}
	switch {
	case c == nil && usersign.IsAuthError(err):
		// authenticate logged it, rate-limited
	case code >= errcode.Internal.Code:
		s.log.ErrorContext(r.Context(), "request failed", append(attrs, "err", err)...)
	case err != nil:
		s.log.InfoContext(r.Context(), "request refused", append(attrs, "err", err)...)
	default:
		s.log.DebugContext(r.Context(), "request", attrs...)
	}
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	write(w, nil, errcode.NotFound.With("no such endpoint"))
}

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "im_domain_http_requests_total", Help: "REST requests by route and envelope code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "im_domain_http_request_seconds", Help: "REST request latency by route.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

func (m *metrics) observe(route string, code errcode.Code, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(int(code))).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}
