package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/whaleim/whaleim/im-common/config"
	"github.com/whaleim/whaleim/im-common/inproc"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/mysqldb"
	"github.com/whaleim/whaleim/im-common/rabbit"
	"github.com/whaleim/whaleim/im-common/sqlite"
	"github.com/whaleim/whaleim/im-common/zookeeper"
	"github.com/whaleim/whaleim/im-domain/domain"
	"github.com/whaleim/whaleim/im-tcp/gateway"
	"github.com/whaleim/whaleim/im-tcp/zkregistry"
)

// queue is what the three services need of the message queue together.
type queue interface {
	domain.Queue
	mq.Caller
}

// parts are the infrastructure under the three services: embedded by
// default, each the real service when its IM_* setting is given.
type parts struct {
	rdb   *redis.Client
	db    *gorm.DB // nil with IM_MYSQL_DSN: the services open MariaDB themselves
	queue queue
	// registry is where the gateway registers; gateways what the domain
	// routes logins to: the static registry, or with IM_ZK_SERVERS
	// ZooKeeper (gateways nil: the domain dials it, as a domain node does,
	// and takes part in the uplink shard assignment too).
	registry gateway.Registry
	gateways domain.Gateways
	zkProbe  func(context.Context) error // nil without ZooKeeper
	closers  []func()
}

// reachTimeout bounds reaching a real service at start: an unreachable
// one stops the binary with a clear line instead of a hang.
const reachTimeout = 10 * time.Second

// connect builds every part; on error it releases what it built.
func connect(ctx context.Context, getenv func(string) string, dir string, redisCfg config.Redis, zk config.ZooKeeper, topo mq.Topology, dead string, log *slog.Logger) (_ *parts, err error) {
	p := &parts{}
	defer func() {
		if err != nil {
			p.close()
		}
	}()
	if err := p.redis(ctx, getenv(envRedis), redisCfg, log); err != nil {
		return nil, err
	}
	if err := p.database(ctx, getenv(envMySQL), dir, log); err != nil {
		return nil, err
	}
	if err := p.broker(ctx, getenv(envRabbit), dir, topo, dead, log); err != nil {
		return nil, err
	}
	if err := p.zooKeeper(ctx, getenv(envZooKeeper) != "", zk, log); err != nil {
		return nil, err
	}
	return p, nil
}

// zooKeeper makes the registry: the static one in this process, or, when
// IM_ZK_SERVERS is given, ZooKeeper, so that this binary's gateway is
// handed out by (and its domain shares the uplink shards with) the
// distributed platform's nodes on the same broker and databases.
func (p *parts) zooKeeper(ctx context.Context, real bool, zk config.ZooKeeper, log *slog.Logger) error {
	if !real {
		static := newStaticRegistry()
		p.registry, p.gateways = static, static
		return nil
	}
	cctx, cancel := context.WithTimeout(ctx, reachTimeout)
	defer cancel()
	c, err := zookeeper.Connect(cctx, zk.Servers, zk.SessionTimeout, log)
	if err != nil {
		return fmt.Errorf("%s: ZooKeeper unreachable: %w", envZooKeeper, err)
	}
	p.closers = append(p.closers, c.Close)
	p.registry, p.zkProbe = zkregistry.Registry{C: c}, c.Probe
	log.Info("registry: "+envZooKeeper, "servers", zk.Servers, "root", zk.Root)
	return nil
}

// close releases the parts in reverse order of their making.
func (p *parts) close() {
	for i := len(p.closers) - 1; i >= 0; i-- {
		p.closers[i]()
	}
	p.closers = nil
}

// redis starts miniredis on a loopback port (the services drive it
// through their go-redis adapters, as a real Redis), or dials addr.
func (p *parts) redis(ctx context.Context, addr string, cfg config.Redis, log *slog.Logger) error {
	if addr == "" {
		m := miniredis.NewMiniRedis()
		if err := m.Start(); err != nil {
			return fmt.Errorf("embedded redis: %w", err)
		}
		p.closers = append(p.closers, m.Close)
		addr = m.Addr()
		log.Info("redis: embedded (miniredis)", "addr", addr)
	} else {
		log.Info("redis: "+envRedis, "addr", addr)
	}
	opts := &redis.Options{Addr: addr}
	if addr == cfg.Addr { // the real one: IM_REDIS_PASSWORD and IM_REDIS_DB apply
		opts.Password, opts.DB = cfg.Password, cfg.DB
	}
	p.rdb = redis.NewClient(opts)
	p.closers = append(p.closers, func() { _ = p.rdb.Close() })
	cctx, cancel := context.WithTimeout(ctx, reachTimeout)
	defer cancel()
	if err := p.rdb.Ping(cctx).Err(); err != nil {
		return fmt.Errorf("%s: redis at %s unreachable: %w", envRedis, addr, err)
	}
	return nil
}

// sqliteConns is the SQLite pool: one writer at a time beside the readers
// (the domain's checks and guard queries, the REST API's reads).
const sqliteConns = 4

// database opens the SQLite file of the data folder, or checks that the
// MariaDB of dsn answers (the services then open it themselves).
func (p *parts) database(ctx context.Context, dsn, dir string, log *slog.Logger) error {
	if dsn != "" {
		cctx, cancel := context.WithTimeout(ctx, reachTimeout)
		defer cancel()
		if err := mysqldb.EnsureDatabase(cctx, dsn); err != nil {
			return fmt.Errorf("%s: MySQL unreachable: %w", envMySQL, err)
		}
		log.Info("database: " + envMySQL)
		return nil
	}
	path := filepath.Join(dir, "whaleim.db")
	db, err := sqlite.Open(ctx, path, sqliteConns)
	if err != nil {
		return fmt.Errorf("%s: %w", envDataDir, err)
	}
	p.db = db
	p.closers = append(p.closers, func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	log.Info("database: embedded (SQLite)", "path", path)
	return nil
}

// broker opens the in-process queue with its log in the data folder, or
// dials RabbitMQ at url; either way topo is declared.
func (p *parts) broker(ctx context.Context, url, dir string, topo mq.Topology, dead string, log *slog.Logger) error {
	if url == "" {
		b, err := inproc.Open(log, inproc.WithDataFolder(filepath.Join(dir, "queue")), inproc.WithDeadLetterExchange(dead))
		if err != nil {
			return fmt.Errorf("%s: %w", envDataDir, err)
		}
		p.closers = append(p.closers, func() {
			if err := b.Close(); err != nil {
				log.Error("queue close", "err", err)
			}
		})
		p.queue = b
		log.Info("queue: embedded (in-process, durable log)", "path", filepath.Join(dir, "queue"))
		return p.queue.Declare(ctx, topo)
	}
	cctx, cancel := context.WithTimeout(ctx, reachTimeout)
	defer cancel()
	conn, err := rabbit.Dial(cctx, url, topo, log, rabbit.WithName("whaleim-standalone"), rabbit.WithDeadLetterExchange(dead))
	if err != nil {
		return fmt.Errorf("%s: RabbitMQ unreachable: %w", envRabbit, err)
	}
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- conn.Run(runCtx) }()
	ports := conn.Ports(0)
	p.queue = ports
	p.closers = append(p.closers, func() {
		ports.Publisher.Close()
		stop()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			log.Error("rabbitmq connection", "err", err)
		}
	})
	log.Info("queue: " + envRabbit)
	return nil
}
