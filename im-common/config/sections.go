package config

import (
	"net"
	"strings"
	"time"

	"github.com/whaleim/whaleim/im-common/mq"
)

// Rabbit configures the RabbitMQ connection and the MQ contract.
type Rabbit struct {
	URL            string        // IM_RABBIT_URL
	QueueType      mq.QueueType  // IM_RABBIT_QUEUE_TYPE: classic (dev) or quorum (production)
	UplinkShards   int           // IM_UPLINK_SHARDS (16): must be equal on every node
	PublishTimeout time.Duration // IM_RABBIT_PUBLISH_TIMEOUT: wait for a confirm at most this long
}

// DefaultUplinkShards is the default number of uplink shard queues.
// Measured with imbench (2 cores, 1:1 ramp, same binaries back to back): 16
// shards sustained 6,000 messages/s (p99 720 ms) where 64 saturated at
// 4,000/s (p99 1.5 s), with a fifth less RabbitMQ CPU: fewer queues fill
// each uplink batch more. 16 still spreads over up to 8 domain nodes.
const DefaultUplinkShards = 16

// LoadRabbit reads the Rabbit section.
func LoadRabbit(e *Env) Rabbit {
	r := Rabbit{
		URL:            e.String("IM_RABBIT_URL", "amqp://guest:guest@127.0.0.1:5672/"),
		QueueType:      mq.QueueType(e.OneOf("IM_RABBIT_QUEUE_TYPE", "classic", "classic", "quorum")),
		UplinkShards:   e.Int("IM_UPLINK_SHARDS", DefaultUplinkShards),
		PublishTimeout: e.Duration("IM_RABBIT_PUBLISH_TIMEOUT", 5*time.Second),
	}
	e.Check(strings.HasPrefix(r.URL, "amqp://") || strings.HasPrefix(r.URL, "amqps://"), "IM_RABBIT_URL", "must be an amqp:// or amqps:// URL")
	e.Check(r.UplinkShards >= 1 && r.UplinkShards <= 256, "IM_UPLINK_SHARDS", "must be 1..256, got %d", r.UplinkShards)
	e.Check(r.PublishTimeout > 0, "IM_RABBIT_PUBLISH_TIMEOUT", "must be > 0")
	return r
}

// Redis configures the Redis client.
type Redis struct {
	Addr     string // IM_REDIS_ADDR host:port
	Password string // IM_REDIS_PASSWORD
	DB       int    // IM_REDIS_DB
}

// LoadRedis reads the Redis section.
func LoadRedis(e *Env) Redis {
	r := Redis{
		Addr:     e.String("IM_REDIS_ADDR", "127.0.0.1:6379"),
		Password: e.String("IM_REDIS_PASSWORD", ""),
		DB:       e.Int("IM_REDIS_DB", 0),
	}
	checkHostPort(e, "IM_REDIS_ADDR", r.Addr)
	e.Check(r.DB >= 0 && r.DB < 16, "IM_REDIS_DB", "must be 0..15")
	return r
}

// MySQL configures the MySQL/MariaDB connection.
type MySQL struct {
	DSN      string // IM_MYSQL_DSN, go-sql-driver form user:pass@tcp(host:port)/db
	MaxConns int    // IM_MYSQL_MAX_CONNS
}

// LoadMySQL reads the MySQL section.
func LoadMySQL(e *Env) MySQL {
	m := MySQL{
		DSN:      e.String("IM_MYSQL_DSN", "root:@tcp(127.0.0.1:3306)/im?parseTime=true&charset=utf8mb4&loc=UTC&interpolateParams=true"),
		MaxConns: e.Int("IM_MYSQL_MAX_CONNS", 20),
	}
	e.Check(strings.Contains(m.DSN, "/"), "IM_MYSQL_DSN", "must name a database (user:pass@tcp(host:port)/db)")
	e.Check(m.MaxConns > 0, "IM_MYSQL_MAX_CONNS", "must be > 0")
	return m
}

// ZooKeeper configures the registry connection.
type ZooKeeper struct {
	Servers        []string      // IM_ZK_SERVERS host:port,...
	SessionTimeout time.Duration // IM_ZK_SESSION_TIMEOUT
	Root           string        // IM_ZK_ROOT, parent of the gateways node
}

// LoadZooKeeper reads the ZooKeeper section.
func LoadZooKeeper(e *Env) ZooKeeper {
	z := ZooKeeper{
		Servers:        e.List("IM_ZK_SERVERS", []string{"127.0.0.1:2181"}),
		SessionTimeout: e.Duration("IM_ZK_SESSION_TIMEOUT", 10*time.Second),
		Root:           e.String("IM_ZK_ROOT", "/im"),
	}
	for _, s := range z.Servers {
		checkHostPort(e, "IM_ZK_SERVERS", s)
	}
	e.Check(len(z.Servers) > 0, "IM_ZK_SERVERS", "at least one server")
	e.Check(z.SessionTimeout >= time.Second, "IM_ZK_SESSION_TIMEOUT", "must be at least 1s")
	e.Check(strings.HasPrefix(z.Root, "/") && !strings.HasSuffix(z.Root, "/"), "IM_ZK_ROOT", "must be an absolute path without a trailing slash")
	return z
}

// Log configures structured logging.
type Log struct {
	Level  string // IM_LOG_LEVEL debug|info|warn|error
	Format string // IM_LOG_FORMAT json|text
}

// LoadLog reads the Log section.
func LoadLog(e *Env) Log {
	return Log{
		Level:  e.OneOf("IM_LOG_LEVEL", "info", "debug", "info", "warn", "error"),
		Format: e.OneOf("IM_LOG_FORMAT", "json", "json", "text"),
	}
}

func checkHostPort(e *Env, key, v string) {
	if _, _, err := net.SplitHostPort(v); err != nil {
		e.Problem(key, "not host:port: %q", v)
	}
}

// CheckAddr records a problem unless v is a listen address (":19001",
// "127.0.0.1:0").
func (e *Env) CheckAddr(key, v string) { checkHostPort(e, key, v) }
