// Package domain runs one im-domain node: the signed REST API and the
// message core over MySQL (source of truth), Redis (sessions, caches) and
// a message queue (uplinks in, pushes and store records out, login checks
// answered), with login routing over the ZooKeeper gateway registry.
//
// Run is the one entry. main.go dials RabbitMQ and passes it as the Queue
// (rabbit.Ports); the standalone binary passes its in-process stand-ins
// through Deps (inproc.Broker as the Queue, a gorm handle, a go-redis
// client, a Gateways list). The Queue is required; a nil DB, Redis or
// Gateways is dialled from Config.
package domain

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/zookeeper"
	"github.com/whaleim/whaleim/im-domain/internal/app"
	"github.com/whaleim/whaleim/im-domain/internal/conversation"
	"github.com/whaleim/whaleim/im-domain/internal/friend"
	"github.com/whaleim/whaleim/im-domain/internal/group"
	"github.com/whaleim/whaleim/im-domain/internal/httpapi"
	"github.com/whaleim/whaleim/im-domain/internal/mariadb"
	"github.com/whaleim/whaleim/im-domain/internal/mqapi"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
	"github.com/whaleim/whaleim/im-domain/internal/online"
	"github.com/whaleim/whaleim/im-domain/internal/presence"
	"github.com/whaleim/whaleim/im-domain/internal/redisdb"
	"github.com/whaleim/whaleim/im-domain/internal/routing"
	"github.com/whaleim/whaleim/im-domain/internal/user"
)

// Queue is the message queue of a domain node, in the words of the queue
// ports (package mq): it publishes pushes and store records, consumes the
// uplink shards and the webhook events, answers the gateways' login checks, and declares the
// topology of each. Ready backs /readyz.
type Queue interface {
	mq.Publisher
	mq.Consumer
	mq.BatchConsumer
	mq.Server
	mq.Declarer
	Ready() bool
}

// Gateway is one live gateway as registered ({tcp, ws} addresses).
type Gateway struct {
	ID, TCP, WS string
}

// Gateways lists the live gateways for login routing.
type Gateways interface {
	Gateways(ctx context.Context) ([]Gateway, error)
}

// Deps are optional injected dependencies; nil ones are created from Config.
type Deps struct {
	DB       *gorm.DB              // migrated by New
	Redis    redis.UniversalClient // not closed by the node
	Queue    Queue                 // required
	Gateways Gateways              // nil: ZooKeeper at Config.ZooKeeper
	Listener net.Listener          // nil: listen on Config.HTTPAddr
	Metrics  *prometheus.Registry  // nil: a new registry with Go and process collectors
	Log      *slog.Logger          // required
}

// Node is a wired domain node.
type Node struct {
	cfg      Config
	log      *slog.Logger
	handler  http.Handler
	listener net.Listener
	runners  []func(context.Context) error
	queue    Queue
	// zkReady probes the ZooKeeper session; nil with injected Gateways.
	zkReady func(context.Context) error
	// zk is the ZooKeeper session, nil with injected Gateways (then this
	// node consumes every uplink shard).
	zk      *zookeeper.Client
	uplinks *mqapi.Handler
	closers []func()
}

// Run builds a node and serves until ctx ends, then shuts down gracefully.
func Run(ctx context.Context, cfg Config, deps Deps) error {
	n, err := New(ctx, cfg, deps)
	if err != nil {
		return err
	}
	defer n.Close()
	return n.Run(ctx)
}

// New connects (or adopts) every dependency, migrates the schema,
// bootstraps the configured app and builds the HTTP API.
func New(ctx context.Context, cfg Config, deps Deps) (_ *Node, err error) {
	if deps.Log == nil || deps.Queue == nil {
		return nil, errors.New("domain: Deps.Log and Deps.Queue are required")
	}
	n := &Node{cfg: cfg, log: deps.Log, queue: deps.Queue}
	defer func() {
		if err != nil {
			n.Close() // n, not the nil result: release what was opened so far
		}
	}()
	db, err := n.database(ctx, deps)
	if err != nil {
		return nil, err
	}
	rdb, err := n.redis(ctx, deps)
	if err != nil {
		return nil, err
	}
	pub := pushPublisher{deps.Queue}
	members, err := n.gateways(ctx, deps)
	if err != nil {
		return nil, err
	}
	apps := app.NewService(db, rdb, cfg.AppCacheTTL)
	if err := apps.Bootstrap(ctx, cfg.AppID, cfg.AppSecret, cfg.AppAdmins); err != nil {
		return nil, err
	}
	if cfg.AppRepublish >= 0 {
		n.runners = append(n.runners, func(ctx context.Context) error {
			return republishApps(ctx, apps, cmp.Or(cfg.AppRepublish, cfg.AppCacheTTL), deps.Log)
		})
	}
	reg := deps.Metrics
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	hooks, err := n.webhooks(ctx, apps, reg)
	if err != nil {
		return nil, err
	}
	f := features{apps: apps, hooks: hooks, notifier: notify.New(rdb, pub)}
	bus := rdb.NewBus(deps.Log)
	n.runners = append(n.runners, bus.Run)
	f.users = user.NewService(db, rdb, f.notifier, hooks, bus, deps.Log)
	if err := n.serveLoginChecks(ctx, f.users); err != nil {
		return nil, err
	}
	f.friends = friend.NewService(db, db, f.notifier, hooks, bus, 0, deps.Log)
	f.groups = group.NewService(mariadb.NewGroupStore(db), db, apps, rdb, f.notifier, hooks, deps.Log)
	f.convs = conversation.NewService(db, f.notifier, allocatedSeqs{seqs: rdb.NewSequencer(db, 0), db: db}, deps.Log)
	n.runners = append(n.runners, f.convs.Run) // the write-behind flush
	if f.push, err = n.offlinePush(ctx, db, f, hooks, reg); err != nil {
		return nil, err
	}
	msgs, err := n.messaging(ctx, db, rdb, pub, f, newPipelineMetrics(reg))
	if err == nil {
		err = n.shardMetrics(reg)
	}
	if err != nil {
		return nil, err
	}
	svc := httpapi.Services{
		Apps:          apps,
		Users:         f.users,
		Login:         routing.NewPicker(members),
		Conversations: f.convs,
		Friends:       f.friends,
		Groups:        f.groups,
		Messages:      msgs,
		AppSettings:   apps,
		Nonces:        rdb,
		Sessions:      online.NewService(rdb, members, f.notifier, online.Limits{Broadcasts: cfg.BroadcastLimit}),
		Presence:      n.presence(rdb, f),
		Push:          f.push,
	}
	checks := []httpapi.Check{{Name: "mysql", Check: db.Ping}, {Name: "redis", Check: rdb.Ping}}
	checks = append(checks, httpapi.Check{Name: "queue", Check: n.queueReady})
	if n.zkReady != nil {
		checks = append(checks, httpapi.Check{Name: "zookeeper", Check: n.zkReady})
	}
	checks = append(checks, n.shardCheck())
	api := httpapi.New(httpapi.Config{AdminSignMaxAge: cfg.AdminSignMaxAge, SignOptions: cfg.Auth.SignOptions(), Pprof: cfg.Pprof,
		AdminNonce: cfg.AdminNonce, AuthFailLimit: cfg.Auth.FailLimit, AuthFailWindow: cfg.Auth.FailWindow}, svc, checks, reg, deps.Log)
	n.handler = api.Handler()
	n.listener = deps.Listener
	return n, nil
}

// Handler is the node's HTTP API (for tests and for embedding).
func (n *Node) Handler() http.Handler { return n.handler }

// Close releases what New opened, in reverse order. Idempotent.
func (n *Node) Close() {
	for i := len(n.closers) - 1; i >= 0; i-- {
		n.closers[i]()
	}
	n.closers = nil
}

func (n *Node) database(ctx context.Context, deps Deps) (*mariadb.DB, error) {
	if deps.DB == nil {
		db, err := mariadb.Open(ctx, n.cfg.MySQL.DSN, n.cfg.MySQL.MaxConns)
		if err != nil {
			return nil, err
		}
		n.closers = append(n.closers, func() { _ = db.Close() })
		return db, nil
	}
	db, err := mariadb.Wrap(ctx, deps.DB, n.cfg.MySQL.MaxConns)
	if err != nil {
		return nil, err
	}
	return db, db.Migrate(ctx)
}

func (n *Node) redis(ctx context.Context, deps Deps) (*redisdb.Client, error) {
	if deps.Redis != nil {
		c := redisdb.Wrap(deps.Redis, n.cfg.SessionTTL, redisdb.PresenceStream(n.cfg.PresenceStream))
		return c, c.Ping(ctx)
	}
	r := n.cfg.Redis
	c, err := redisdb.Open(ctx, r.Addr, r.Password, r.DB, n.cfg.SessionTTL, redisdb.PresenceStream(n.cfg.PresenceStream))
	if err != nil {
		return nil, fmt.Errorf("domain: %w", err)
	}
	n.closers = append(n.closers, func() { _ = c.Close() })
	return c, nil
}

// republishApps rewrites the gateways' app cache ({appId}:app in Redis)
// every period: it is written only at bootstrap otherwise, so a Redis
// flush or restart would refuse every new login (2007 app not found) until
// the domain restarted.
func republishApps(ctx context.Context, apps *app.Service, every time.Duration, log *slog.Logger) error {
	t := time.NewTicker(max(every, time.Second))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := apps.PublishAll(ctx); err != nil {
				log.WarnContext(ctx, "app cache republish failed", "err", err)
			}
		}
	}
}

// presence starts the presence service and its reader of the presence
// stream.
func (n *Node) presence(rdb *redisdb.Client, f features) *presence.Service {
	store := rdb.NewPresence(n.log)
	svc := presence.NewService(store, f.friends, f.notifier, n.log)
	n.runners = append(n.runners, func(ctx context.Context) error { return store.Run(ctx, svc.Handle) })
	return svc
}
