package domain

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"time"

	"github.com/whaleim/whaleim/im-common/config"
	"github.com/whaleim/whaleim/im-domain/internal/mqapi"
	"github.com/whaleim/whaleim/im-domain/internal/retry"
)

// DevSecret is the app secret used when IM_DEV=true and IM_APP_SECRET is
// unset. Never use it in production: anyone can sign as any user with it.
const DevSecret = "whaleim-dev-secret-do-not-use-in-production"

// Config is the whole configuration of a domain node, from IM_* variables.
type Config struct {
	HTTPAddr  string // IM_HTTP_ADDR, default :18000
	Dev       bool   // IM_DEV: allow the development app secret
	MySQL     config.MySQL
	Redis     config.Redis
	Rabbit    config.Rabbit
	ZooKeeper config.ZooKeeper
	Log       config.Log
	Auth      config.Auth // sign lifetime bound and auth failure throttle (shared with the gateway)
	TLS       config.TLS  // IM_TLS_CERT, IM_TLS_KEY: the REST listener speaks only HTTPS when set

	// The app bootstrapped at start-up (created if missing; its secret and
	// admins follow the configuration).
	AppID     uint32   // IM_APP_ID, default 10000
	AppSecret string   // IM_APP_SECRET, required unless IM_DEV=true
	AppAdmins []string // IM_APP_ADMIN, comma-separated, default "admin"

	AdminSignMaxAge time.Duration // IM_ADMIN_SIGN_MAX_AGE, default 24h; 0 = only the sign's own expiry
	AdminNonce      bool          // IM_ADMIN_NONCE: every admin call carries a fresh random (default false)
	SessionTTL      time.Duration // IM_SESSION_TTL: a device session not refreshed for this long is offline (default 3m, the gateway default: 3x its 60s heartbeat timeout)
	AppCacheTTL     time.Duration // IM_APP_CACHE_TTL: in-memory app cache (default 10s)
	BroadcastLimit  int           // IM_BROADCAST_LIMIT: admin broadcasts per app per minute (default 10)
	// AppRepublish: how often every app is rewritten to the gateways' Redis
	// cache; 0 means every AppCacheTTL, negative never (tests sharing one
	// Redis, where it would re-create the keys of finished tests' apps).
	AppRepublish time.Duration
	// PresenceStream is the Redis stream of presence events the gateways
	// append to (default session.PresenceStream); tests sharing one Redis
	// set their own.
	PresenceStream  string
	ShutdownTimeout time.Duration // IM_SHUTDOWN_TIMEOUT, default 10s
	// UplinkWait is how long a shard consumer waits for more deliveries
	// once one arrived (IM_UPLINK_CONSUME_WAIT, default 2ms); UplinkCycles how
	// many uplink cycles run at once (IM_UPLINK_CYCLES, default 16); see
	// mqapi.Options.
	UplinkWait   time.Duration
	UplinkCycles int
	// NodeID names this node in the ZooKeeper registry of domain nodes
	// ({IM_ZK_ROOT}/domains/{id}), which the uplink shards are spread over
	// (IM_NODE_ID, default {hostname}-{random}: unique per start, so a
	// restarted node never waits for its crashed predecessor's session).
	NodeID string
	// RebalanceGap is the least time between two changes of the shards
	// this node owns (IM_SHARD_REBALANCE_GAP, default 2s), so a flapping
	// member does not move shards at its pace.
	RebalanceGap time.Duration
	// Webhook tunes after-callback delivery (IM_WEBHOOK_WORKERS,
	// IM_WEBHOOK_ATTEMPTS, IM_WEBHOOK_BACKOFF, IM_WEBHOOK_MAX_BACKOFF).
	Webhook WebhookConfig
	// Push is the offline-push providers (IM_PUSH_*); both off by default.
	Push PushConfig
	// Pprof serves the Go runtime profiles under /debug/pprof/ on the HTTP
	// listener, to loopback clients only (IM_PPROF, default false).
	Pprof bool
}

// Load reads the configuration through getenv (os.Getenv in main) and
// reports every problem at once.
func Load(getenv func(string) string) (Config, error) {
	e := config.NewEnv(getenv)
	c := Config{
		HTTPAddr:        e.String("IM_HTTP_ADDR", ":18000"),
		Dev:             e.Bool("IM_DEV", false),
		MySQL:           config.LoadMySQL(e),
		Redis:           config.LoadRedis(e),
		Rabbit:          config.LoadRabbit(e),
		ZooKeeper:       config.LoadZooKeeper(e),
		Log:             config.LoadLog(e),
		Auth:            config.LoadAuth(e),
		TLS:             config.LoadTLS(e),
		AppID:           uint32(e.Int("IM_APP_ID", 10000)),
		AppSecret:       e.String("IM_APP_SECRET", ""),
		AppAdmins:       e.List("IM_APP_ADMIN", []string{"admin"}),
		AdminSignMaxAge: e.Duration("IM_ADMIN_SIGN_MAX_AGE", 24*time.Hour),
		AdminNonce:      e.Bool("IM_ADMIN_NONCE", false),
		SessionTTL:      e.Duration("IM_SESSION_TTL", 3*time.Minute),
		AppCacheTTL:     e.Duration("IM_APP_CACHE_TTL", 10*time.Second),
		BroadcastLimit:  e.Int("IM_BROADCAST_LIMIT", 10),
		ShutdownTimeout: e.Duration("IM_SHUTDOWN_TIMEOUT", 10*time.Second),
		UplinkWait:      e.Duration("IM_UPLINK_CONSUME_WAIT", mqapi.DefaultMaxWait),
		UplinkCycles:    e.Int("IM_UPLINK_CYCLES", mqapi.DefaultCycles),
		Pprof:           e.Bool("IM_PPROF", false),
		NodeID:          e.String("IM_NODE_ID", defaultNodeID()),
		RebalanceGap:    e.Duration("IM_SHARD_REBALANCE_GAP", 2*time.Second),
		Webhook:         loadWebhook(e),
		Push:            loadPush(e),
	}
	e.Check(validNodeID(c.NodeID), "IM_NODE_ID", "1..64 letters, digits, '.', '_' or '-', got %q", c.NodeID)
	e.Check(c.RebalanceGap >= 0 && c.RebalanceGap <= time.Minute, "IM_SHARD_REBALANCE_GAP", "must be in [0, 1m]")
	e.Check(c.UplinkWait > 0 && c.UplinkWait <= time.Second, "IM_UPLINK_CONSUME_WAIT", "must be in (0, 1s]")
	e.Check(c.UplinkCycles >= 1 && c.UplinkCycles <= 64, "IM_UPLINK_CYCLES", "must be 1..64, got %d", c.UplinkCycles)
	e.CheckAddr("IM_HTTP_ADDR", c.HTTPAddr)
	if c.AppSecret == "" && c.Dev {
		c.AppSecret = DevSecret
	}
	e.Check(c.AppSecret != "", "IM_APP_SECRET", "required (or set IM_DEV=true for the development secret)")
	e.Check(c.AppSecret == "" || len(c.AppSecret) >= 16, "IM_APP_SECRET", "at least 16 characters")
	e.Check(c.AppID > 0, "IM_APP_ID", "must be > 0")
	e.Check(len(c.AppAdmins) > 0, "IM_APP_ADMIN", "at least one admin identifier")
	e.Check(c.SessionTTL >= time.Second, "IM_SESSION_TTL", "at least 1s")
	e.Check(c.BroadcastLimit >= 1, "IM_BROADCAST_LIMIT", "at least 1")
	return c, e.Err()
}

// validNodeID reports whether id can name this node: a ZooKeeper node
// name that reads well in logs.
func validNodeID(id string) bool {
	return len(id) >= 1 && len(id) <= 64 && strings.IndexFunc(id, func(r rune) bool { return nodeIDRune(r) != r }) < 0
}

// nodeIDRune keeps the runes a node id may hold and turns the others into '-'.
func nodeIDRune(r rune) rune {
	if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
		return r
	}
	return '-'
}

// defaultNodeID is the host name (cut to fit) and a random suffix.
func defaultNodeID() string {
	host, _ := os.Hostname()
	host = strings.Map(nodeIDRune, host)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return host[:min(len(host), 50)] + "-" + hex.EncodeToString(b)
}

// WebhookConfig tunes after-callback delivery; zero fields take the
// defaults of package retry.
type WebhookConfig struct {
	Workers    int           // IM_WEBHOOK_WORKERS: events a node delivers at once (default 8)
	Attempts   int           // IM_WEBHOOK_ATTEMPTS: attempts per event before the dead-letter (default 10)
	Backoff    time.Duration // IM_WEBHOOK_BACKOFF: wait before the 2nd attempt, doubled each time (default 1s)
	MaxBackoff time.Duration // IM_WEBHOOK_MAX_BACKOFF: the longest wait (default 5m)
}

func loadWebhook(e *config.Env) WebhookConfig {
	w := WebhookConfig{
		Workers:    e.Int("IM_WEBHOOK_WORKERS", retry.DefaultWorkers),
		Attempts:   e.Int("IM_WEBHOOK_ATTEMPTS", retry.DefaultMaxAttempts),
		Backoff:    e.Duration("IM_WEBHOOK_BACKOFF", retry.DefaultBaseBackoff),
		MaxBackoff: e.Duration("IM_WEBHOOK_MAX_BACKOFF", retry.DefaultMaxBackoff),
	}
	e.Check(w.Workers >= 1 && w.Workers <= 256, "IM_WEBHOOK_WORKERS", "must be 1..256, got %d", w.Workers)
	e.Check(w.Attempts >= 1 && w.Attempts <= 100, "IM_WEBHOOK_ATTEMPTS", "must be 1..100, got %d", w.Attempts)
	e.Check(w.Backoff >= time.Millisecond, "IM_WEBHOOK_BACKOFF", "at least 1ms")
	e.Check(w.MaxBackoff >= w.Backoff && w.MaxBackoff <= 24*time.Hour, "IM_WEBHOOK_MAX_BACKOFF", "between IM_WEBHOOK_BACKOFF and 24h")
	return w
}

func (w WebhookConfig) policy() retry.Policy {
	return retry.Policy{Workers: w.Workers, MaxAttempts: w.Attempts, BaseBackoff: w.Backoff, MaxBackoff: w.MaxBackoff}
}
