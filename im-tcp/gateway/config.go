package gateway

import (
	"errors"
	"runtime"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/config"
)

// Config is the gateway's configuration. LoadConfig reads it from IM_*
// variables; the comments name each variable and its default.
type Config struct {
	BrokerID     string // IM_BROKER_ID (required): routing key of this node's downlink queue
	TCPAddr      string // IM_TCP_ADDR ":19001"; empty disables TCP
	WSAddr       string // IM_WS_ADDR ":19002"; empty disables WebSocket
	WSPath       string // IM_WS_PATH "/ws"
	HTTPAddr     string // IM_HTTP_ADDR "127.0.0.1:19003": /healthz /readyz /metrics; empty disables
	AdvertiseTCP string // IM_ADVERTISE_TCP: address clients dial; default the TCP listen address, a wildcard host replaced by the host name
	AdvertiseWS  string // IM_ADVERTISE_WS: default ws://{WS listen address, wildcard host replaced by the host name}{WSPath}
	// RegistryPath is the ephemeral node of this gateway: {IM_ZK_ROOT}/gateways/{brokerId}.
	RegistryPath string

	HeartbeatTimeout time.Duration // IM_HEARTBEAT_TIMEOUT 60s: silence after which a connection is closed
	LoginTimeout     time.Duration // IM_LOGIN_TIMEOUT 10s: a connection must log in within this
	SessionTTL       time.Duration // IM_SESSION_TTL 3 x heartbeat timeout: Redis session hash TTL
	AppCacheTTL      time.Duration // IM_APP_CACHE_TTL 10s: how long app secrets/policies are cached
	WriteTimeout     time.Duration // IM_WRITE_TIMEOUT 10s: deadline of one socket write
	WriteQueue       int           // IM_WRITE_QUEUE 256: queued frames at which the read loop pauses; see conn.push for the slow-consumer rule
	ShutdownDrain    time.Duration // IM_SHUTDOWN_DRAIN 5s: time clients get to read the reconnect hint

	MaxConns      int     // IM_MAX_CONNS 100000
	MaxConnsPerIP int     // IM_MAX_CONNS_PER_IP 1000 (0 = unlimited)
	SendRate      float64 // IM_SEND_RATE 20: routed frames per second per user (0 = unlimited)
	SendBurst     int     // IM_SEND_BURST 2 x rate
	// ControlRate is the separate budget of receive-ACKs, reads and pings
	// (IM_CONTROL_RATE 200/s per user, 0 = unlimited; IM_CONTROL_BURST 2 x
	// rate): a client acknowledging what it receives never spends its
	// send budget.
	ControlRate  float64
	ControlBurst int
	// WSOrigins is the Origin allowlist (IM_WS_ORIGINS, comma separated
	// host or scheme://host values, "*" for any). Empty allows requests
	// without an Origin header and same-host origins only.
	WSOrigins []string

	Limits         packet.Limits // IM_MAX_IMEI 128, IM_MAX_BODY 65536
	UplinkShards   int           // IM_UPLINK_SHARDS 16 (shared Rabbit section)
	PublishTimeout time.Duration // IM_RABBIT_PUBLISH_TIMEOUT 5s (shared Rabbit section)
	// LoginCheckTimeout (IM_LOGIN_CHECK_TIMEOUT 3s) is how long a login
	// waits for the domain's verdict on the user.
	LoginCheckTimeout time.Duration

	// Auth bounds sign lifetimes and throttles failed logins per (IP,
	// appId): the shared Auth section, identical on the REST API.
	Auth config.Auth
	// InsecureLoginWithoutSign (IM_INSECURE_LOGIN_WITHOUT_SIGN false)
	// accepts a login that carries no userSign, as IM-WhaleShark did, so
	// its clients can be pointed at a development server while migrating:
	// anyone may then log in as any imported user. Development only; New
	// logs a warning when it is on. A login that carries a sign is still
	// checked, and the user must still exist and not be forbidden.
	InsecureLoginWithoutSign bool

	UplinkLinger time.Duration // IM_UPLINK_LINGER 1ms: how long an uplink waits for others of its shard
	UplinkBatch  int           // IM_UPLINK_BATCH 256: uplinks per broker message at most
	// UplinkControlLinger (IM_UPLINK_CONTROL_LINGER 20ms) is the linger of
	// receive-ACKs and reads, which nobody waits for.
	UplinkControlLinger time.Duration
	UplinkBatchBytes    int  // IM_UPLINK_BATCH_BYTES 1048576: payload bytes per broker message at most
	Pprof               bool // IM_PPROF false: serve net/http/pprof on the ops listener (keep it on loopback)
	// DownlinkBatch (IM_DOWNLINK_BATCH 64) bounds the downlink messages
	// handled and acked together; DownlinkWorkers (IM_DOWNLINK_WORKERS,
	// default the number of CPUs) is how many goroutines decode them.
	DownlinkBatch   int
	DownlinkWorkers int
	// TLS (IM_TLS_CERT, IM_TLS_KEY): the TCP and WebSocket listeners speak
	// only TLS (wss://) when set; the ops listener stays plain.
	TLS config.TLS
}

// DefaultConfig returns the defaults for brokerID.
func DefaultConfig(brokerID string) Config {
	return Config{
		BrokerID: brokerID, TCPAddr: ":19001", WSAddr: ":19002", WSPath: "/ws",
		HTTPAddr: "127.0.0.1:19003", RegistryPath: "/im/gateways/" + brokerID,
		HeartbeatTimeout: 60 * time.Second, LoginTimeout: 10 * time.Second,
		SessionTTL: 180 * time.Second, AppCacheTTL: 10 * time.Second,
		WriteTimeout: 10 * time.Second, WriteQueue: 256, ShutdownDrain: 5 * time.Second, LoginCheckTimeout: 3 * time.Second,
		MaxConns: 100_000, MaxConnsPerIP: 1000, SendRate: 20, SendBurst: 40, ControlRate: 200, ControlBurst: 400,
		Limits: packet.DefaultLimits(), UplinkShards: 64, PublishTimeout: 5 * time.Second,
		Auth: config.DefaultAuth(), UplinkLinger: time.Millisecond, UplinkControlLinger: 20 * time.Millisecond, UplinkBatch: 256, UplinkBatchBytes: 1 << 20,
		DownlinkBatch: 64, DownlinkWorkers: runtime.NumCPU(),
	}
}

// LoadConfig reads the gateway variables from e; rabbit and zk are the
// already loaded shared sections. Problems are recorded in e.
func LoadConfig(e *config.Env, rabbit config.Rabbit, zk config.ZooKeeper) Config {
	id := e.Required("IM_BROKER_ID")
	d := DefaultConfig(id)
	c := Config{
		BrokerID: id, TCPAddr: e.String("IM_TCP_ADDR", d.TCPAddr), WSAddr: e.String("IM_WS_ADDR", d.WSAddr),
		WSPath: e.String("IM_WS_PATH", d.WSPath), HTTPAddr: e.String("IM_HTTP_ADDR", d.HTTPAddr),
		AdvertiseTCP: e.String("IM_ADVERTISE_TCP", ""), AdvertiseWS: e.String("IM_ADVERTISE_WS", ""),
		RegistryPath:             zk.Root + "/gateways/" + id,
		HeartbeatTimeout:         e.Duration("IM_HEARTBEAT_TIMEOUT", d.HeartbeatTimeout),
		LoginTimeout:             e.Duration("IM_LOGIN_TIMEOUT", d.LoginTimeout),
		AppCacheTTL:              e.Duration("IM_APP_CACHE_TTL", d.AppCacheTTL),
		WriteTimeout:             e.Duration("IM_WRITE_TIMEOUT", d.WriteTimeout),
		WriteQueue:               e.Int("IM_WRITE_QUEUE", d.WriteQueue),
		ShutdownDrain:            e.Duration("IM_SHUTDOWN_DRAIN", d.ShutdownDrain),
		MaxConns:                 e.Int("IM_MAX_CONNS", d.MaxConns),
		MaxConnsPerIP:            e.Int("IM_MAX_CONNS_PER_IP", d.MaxConnsPerIP),
		SendRate:                 float64(e.Int("IM_SEND_RATE", int(d.SendRate))),
		ControlRate:              float64(e.Int("IM_CONTROL_RATE", int(d.ControlRate))),
		UplinkLinger:             e.Duration("IM_UPLINK_LINGER", d.UplinkLinger),
		UplinkBatch:              e.Int("IM_UPLINK_BATCH", d.UplinkBatch),
		UplinkControlLinger:      e.Duration("IM_UPLINK_CONTROL_LINGER", d.UplinkControlLinger),
		UplinkBatchBytes:         e.Int("IM_UPLINK_BATCH_BYTES", d.UplinkBatchBytes),
		Pprof:                    e.Bool("IM_PPROF", false),
		InsecureLoginWithoutSign: e.Bool("IM_INSECURE_LOGIN_WITHOUT_SIGN", false),
		DownlinkBatch:            e.Int("IM_DOWNLINK_BATCH", d.DownlinkBatch),
		DownlinkWorkers:          e.Int("IM_DOWNLINK_WORKERS", d.DownlinkWorkers),
		WSOrigins:                e.List("IM_WS_ORIGINS", nil),
		Limits:                   packet.Limits{MaxIMEI: e.Int("IM_MAX_IMEI", packet.DefaultMaxIMEI), MaxBody: e.Int("IM_MAX_BODY", packet.DefaultMaxBody)},
		UplinkShards:             rabbit.UplinkShards, PublishTimeout: rabbit.PublishTimeout,
		Auth: config.LoadAuth(e), TLS: config.LoadTLS(e),
	}
	c.SessionTTL = e.Duration("IM_SESSION_TTL", 3*c.HeartbeatTimeout)
	c.LoginCheckTimeout = e.Duration("IM_LOGIN_CHECK_TIMEOUT", d.LoginCheckTimeout)
	c.SendBurst = e.Int("IM_SEND_BURST", int(2*c.SendRate))
	c.ControlBurst = e.Int("IM_CONTROL_BURST", int(2*c.ControlRate))
	for key, addr := range map[string]string{"IM_TCP_ADDR": c.TCPAddr, "IM_WS_ADDR": c.WSAddr, "IM_HTTP_ADDR": c.HTTPAddr} {
		if addr != "" {
			e.CheckAddr(key, addr)
		}
	}
	if err := c.Validate(); err != nil {
		e.Problem("gateway", "%v", err)
	}
	return c
}

// Validate reports every inconsistent value at once.
func (c Config) Validate() error {
	var errs []error
	check := func(ok bool, msg string) {
		if !ok {
			errs = append(errs, errors.New(msg))
		}
	}
	check(c.BrokerID != "", "broker id is required")
	check(c.TCPAddr != "" || c.WSAddr != "", "at least one of the TCP and WebSocket listeners is required")
	check(c.HeartbeatTimeout >= time.Second, "heartbeat timeout must be at least 1s")
	check(c.LoginTimeout > 0, "login timeout must be > 0")
	check(c.SessionTTL >= c.HeartbeatTimeout, "session TTL must be at least the heartbeat timeout")
	check(c.WriteTimeout > 0 && c.PublishTimeout > 0 && c.LoginCheckTimeout > 0, "write, publish and login check timeouts must be > 0")
	check(c.WriteQueue >= 4, "write queue must hold at least 4 frames")
	check(c.MaxConns > 0 && c.MaxConnsPerIP >= 0, "connection limits must be positive")
	check(c.SendRate >= 0 && c.SendBurst >= 0 && c.ControlRate >= 0 && c.ControlBurst >= 0, "send and control rates and bursts must be >= 0")
	check(c.UplinkControlLinger >= 0, "uplink control linger must be >= 0")
	check(c.UplinkLinger >= 0 && c.UplinkBatch >= 1 && c.UplinkBatchBytes >= 1, "uplink linger must be >= 0, batch size and bytes >= 1")
	check(c.UplinkShards >= 1, "uplink shards must be >= 1")
	check(c.DownlinkBatch >= 1 && c.DownlinkWorkers >= 1, "downlink batch and workers must be >= 1")
	check(c.RegistryPath != "", "registry path is required")
	return errors.Join(errs...)
}
