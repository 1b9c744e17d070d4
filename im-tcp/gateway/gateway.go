package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// Deps are the gateway's connections to the outside world.
type Deps struct {
	Sessions   Sessions
	Apps       Apps
	Users      Users
	Publisher  Publisher
	Subscriber Subscriber
	Registry   Registry
	// Queue, when set, backs whichever of Users, Publisher and Subscriber
	// are nil (see Queue).
	Queue Queue
	// Checks are extra readiness probes (Redis, RabbitMQ) for /readyz; the
	// registry node is always checked.
	Checks []Check
	Log    *slog.Logger
}

// Gateway is one gateway node. Create it with New and start it with Run.
type Gateway struct {
	cfg       Config
	sessions  Sessions
	apps      Apps
	users     Users
	pub       Publisher
	sub       Subscriber
	registry  Registry
	checks    []Check
	log       *slog.Logger
	metrics   *metrics
	hub       *hub
	limiter   *limiter    // the send budget (message sends, recalls)
	control   *limiter    // receive-ACKs, reads and pings
	uplinks   *coalescer  // message sends and recalls
	controls  *coalescer  // receive-ACKs and reads: order-insensitive, so they wait longer for company
	readers   *readerPool // TCP frame readers
	guard     *guard      // failed-login throttle, refusal log
	lastLogin atomic.Int64

	tcpLn, wsLn, httpLn net.Listener
	reg                 atomic.Pointer[registration]
}

type registration struct{ Registration }

// Node is the JSON a gateway registers, for routers handing out gateways.
type Node struct {
	BrokerID string `json:"brokerId"`
	TCP      string `json:"tcp,omitempty"`
	WS       string `json:"ws,omitempty"`
}

// New returns a gateway; it does no I/O.
func New(cfg Config, deps Deps) (*Gateway, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("gateway config: %w", err)
	}
	deps = deps.withQueue(cfg)
	if deps.Sessions == nil || deps.Apps == nil || deps.Users == nil || deps.Publisher == nil || deps.Subscriber == nil || deps.Registry == nil {
		return nil, errors.New("gateway: Sessions, Apps, Registry and a Queue (or Users, Publisher and Subscriber) are required")
	}
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := newMetrics()
	log = log.With("component", "gateway", "broker", cfg.BrokerID)
	warnInsecure(cfg, log)
	return &Gateway{
		cfg: cfg, sessions: deps.Sessions, apps: newAppCache(deps.Apps, cfg.AppCacheTTL), users: deps.Users,
		pub: deps.Publisher, sub: deps.Subscriber, registry: deps.Registry, checks: deps.Checks,
		log: log, metrics: m, hub: newHub(),
		limiter: newLimiter(cfg.SendRate, cfg.SendBurst), control: newLimiter(cfg.ControlRate, cfg.ControlBurst),
		uplinks:  newCoalescer(deps.Publisher, cfg.UplinkShards, uplinkLimits(cfg, cfg.UplinkLinger), "send", m, log),
		controls: newSpreadCoalescer(deps.Publisher, cfg.UplinkShards, uplinkLimits(cfg, cfg.UplinkControlLinger), "control", m, log),
		readers:  &readerPool{lim: cfg.Limits}, guard: newGuard(cfg, log),
	}, nil
}

// uplinkLimits bounds the batches of a coalescer lingering linger.
func uplinkLimits(cfg Config, linger time.Duration) batchLimits {
	return batchLimits{linger: linger, maxBatch: cfg.UplinkBatch, maxBytes: cfg.UplinkBatchBytes,
		maxQueue: 4 * cfg.UplinkBatch, timeout: cfg.PublishTimeout}
}

// Listen binds the configured addresses. Run calls it when needed; call it
// first to learn the bound addresses (Addr) of ":0" listeners.
func (g *Gateway) Listen(ctx context.Context) error {
	var lc net.ListenConfig
	// the TCP listener speaks TLS when it is configured; the WebSocket one
	// is wrapped by its HTTP server (httpServers), so net/http sees TLS
	// connections and answers plain HTTP with a 400; the ops listener never
	// does (loopback metrics and probes).
	bind := func(addr string, dst *net.Listener, secure bool) error {
		if addr == "" || *dst != nil {
			return nil
		}
		ln, err := lc.Listen(ctx, "tcp", addr)
		if err != nil {
			return fmt.Errorf("gateway listen %s: %w", addr, err)
		}
		if secure {
			ln = g.cfg.TLS.Listener(ln)
		}
		*dst = ln
		return nil
	}
	return errors.Join(bind(g.cfg.TCPAddr, &g.tcpLn, true), bind(g.cfg.WSAddr, &g.wsLn, false), bind(g.cfg.HTTPAddr, &g.httpLn, false))
}

// Addrs returns the bound TCP, WebSocket and ops addresses ("" when
// disabled or not yet listening).
func (g *Gateway) Addrs() (tcp, ws, ops string) {
	name := func(ln net.Listener) string {
		if ln == nil {
			return ""
		}
		return ln.Addr().String()
	}
	return name(g.tcpLn), name(g.wsLn), name(g.httpLn)
}

// node is what the gateway registers.
func (g *Gateway) node() Node {
	tcp, ws, _ := g.Addrs()
	n := Node{BrokerID: g.cfg.BrokerID, TCP: g.cfg.AdvertiseTCP, WS: g.cfg.AdvertiseWS}
	if n.TCP == "" {
		n.TCP = advertised(tcp, os.Hostname)
	}
	if n.WS == "" && ws != "" {
		scheme := "ws://"
		if g.cfg.TLS.Config != nil {
			scheme = "wss://"
		}
		n.WS = scheme + advertised(ws, os.Hostname) + g.cfg.WSPath
	}
	return n
}

// advertised turns a listen address into one clients can dial: a wildcard
// host ("", 0.0.0.0, ::) says nothing to a client, so it becomes this
// machine's host name (in compose, the container's name on the network).
func advertised(addr string, hostname func() (string, error)) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
		return addr
	}
	if h, err := hostname(); err == nil && h != "" {
		return net.JoinHostPort(h, port)
	}
	return net.JoinHostPort("127.0.0.1", port)
}

// Run serves until ctx ends, then shuts down gracefully: deregister, send
// every client the reconnect hint (9004), drain the write queues, close.
// It fails at once when the brokerId is already registered.
func (g *Gateway) Run(ctx context.Context) error {
	if err := g.Listen(ctx); err != nil {
		return err
	}
	data, _ := json.Marshal(g.node())
	reg, err := g.registry.Register(ctx, g.cfg.RegistryPath, data)
	if err != nil {
		g.closeListeners()
		return fmt.Errorf("gateway register %s: %w", g.cfg.RegistryPath, err)
	}
	g.reg.Store(&registration{reg})
	g.purgeSessions(ctx)
	g.log.Info("gateway started", "node", string(data))
	return g.serve(ctx, reg)
}

// purgeSessions deletes the sessions a crashed predecessor with this
// brokerId left in Redis (a clean stop leaves none), before any client is
// served: those users are offline until they reconnect. A failure only
// delays that to the sessions' TTL.
func (g *Gateway) purgeSessions(ctx context.Context) {
	n, err := g.sessions.Purge(ctx, g.cfg.BrokerID)
	switch {
	case err != nil:
		g.log.Warn("purging the sessions of a previous run failed; they expire with their TTL", "err", err)
	case n > 0:
		g.log.Info("purged sessions left by a previous run of this broker", "sessions", n)
	}
}

// serve runs every part until ctx ends or one part fails.
func (g *Gateway) serve(ctx context.Context, reg Registration) error {
	connCtx, stopConns := context.WithCancel(context.WithoutCancel(ctx))
	defer stopConns()
	eg, egCtx := errgroup.WithContext(ctx)
	servers := g.httpServers(connCtx)
	eg.Go(func() error { return reg.Run(egCtx) })
	eg.Go(func() error { return g.consume(egCtx) })
	eg.Go(func() error { g.sweep(egCtx); return nil })
	eg.Go(func() error { g.watchSessions(egCtx); return nil })
	if g.tcpLn != nil {
		eg.Go(func() error { return g.serveTCP(connCtx, g.tcpLn) })
	}
	for ln, srv := range servers {
		eg.Go(func() error { return ignoreClosed(srv.Serve(ln)) })
	}
	eg.Go(func() error {
		<-egCtx.Done()
		return g.shutdown(reg, servers)
	})
	err := eg.Wait()
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// shutdown stops the node in the order that loses the least: leave the
// registry, stop accepting, tell clients to reconnect, wait for them.
func (g *Gateway) shutdown(reg Registration, servers map[net.Listener]*http.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), g.cfg.ShutdownDrain+5*time.Second)
	defer cancel()
	if err := reg.Deregister(ctx); err != nil {
		g.log.Warn("deregister failed; the node expires with the session", "err", err)
	}
	g.closeListeners()
	g.drain(ctx)
	g.uplinks.close() // the read loops are gone: publish what they queued
	g.controls.close()
	for _, srv := range servers {
		_ = srv.Shutdown(ctx) // hijacked WebSocket connections are not tracked by it
	}
	g.log.Info("gateway stopped")
	return nil
}

func (g *Gateway) closeListeners() {
	for _, ln := range []net.Listener{g.tcpLn, g.wsLn} {
		if ln != nil {
			_ = ln.Close()
		}
	}
}

func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
