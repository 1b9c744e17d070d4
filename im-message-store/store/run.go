package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"

	"github.com/whaleim/whaleim/im-common/backoff"
	"github.com/whaleim/whaleim/im-common/mq"
)

// Queue is the broker side of the store, in the words of the queue ports
// (package mq): rabbit.Ports in im-message-store's main, the standalone
// binary's inproc.Broker. Its store topology (Topology) must be declared.
type Queue interface {
	// ConsumeBatch blocks until ctx is done, handing batches of the named
	// queue to h and acking a batch only when h returns nil.
	ConsumeBatch(ctx context.Context, queue string, opts mq.BatchOptions, h mq.BatchHandler) error
	// Publish sends msg and returns nil only once the broker stored it.
	Publish(ctx context.Context, exchange, key string, msg mq.Publishing) error
	// Ready reports whether the broker is reachable.
	Ready() bool
}

// Deps are what a host process may hand Run instead of letting it build
// them from Config.
type Deps struct {
	Log *slog.Logger // required
	// DB is an open database; nil makes Run open Config.MySQL (and close
	// it on return). Run ensures the table either way. Open it with a DSN
	// from mysqldb.Tune: without interpolated parameters every batch
	// statement is prepared and closed on the server.
	DB *gorm.DB
	// Queue is the broker (required), with Topology(cfg) declared.
	Queue Queue
	// Metrics receives the store's series and is served on /metrics; nil
	// means a private registry with Go and process metrics.
	Metrics *prometheus.Registry
}

// Run consumes store records until ctx is done and writes them to MySQL in
// batches, acking each batch only after its commit. It returns nil after a
// clean stop and an error when a part fails for good.
func Run(ctx context.Context, cfg Config, deps Deps) error {
	if deps.Log == nil || deps.Queue == nil {
		return errors.New("store: Deps.Log and Deps.Queue are required")
	}
	log := deps.Log.With("component", "store")
	db, err := database(ctx, cfg, deps.DB, log)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped before the database came up
		}
		return err
	}
	if deps.DB == nil {
		defer closeDB(db, log)
	}
	reg := deps.Metrics
	if reg == nil {
		reg = newRegistry()
	}
	s := &service{cfg: cfg, names: newNames(cfg.MQPrefix, cfg.Rabbit.QueueType), db: db, m: newMetrics(reg), log: log, queue: deps.Queue}
	g, ctx := errgroup.WithContext(ctx)
	if cfg.HTTPAddr != "" {
		sqlDB, _ := db.DB() // cannot fail: database checked it
		o := &ops{addr: cfg.HTTPAddr, ping: sqlDB.PingContext, mqReady: deps.Queue.Ready, gather: reg, pprof: cfg.Pprof, log: log}
		g.Go(func() error { return o.Run(ctx) })
	}
	g.Go(func() error { return s.consume(ctx) })
	return g.Wait()
}

// service is one running store.
type service struct {
	cfg   Config
	names names
	db    *gorm.DB
	m     *metrics
	log   *slog.Logger
	queue Queue
}

// consume hands batches of the store queue to a consumer until ctx is done.
func (s *service) consume(ctx context.Context) error {
	c := &consumer{w: newMySQLWriter(s.db), dead: s.queue, names: s.names, budget: s.cfg.RetryBudget, log: s.log, m: s.m}
	s.log.Info("store: consuming", "queue", s.names.queue, "batch", s.cfg.Batch, "batch_wait", s.cfg.BatchWait)
	return s.queue.ConsumeBatch(ctx, s.names.queue, mq.BatchOptions{
		MaxBatch: s.cfg.Batch, MaxWait: s.cfg.BatchWait, Prefetch: s.cfg.Prefetch,
	}, c.handle)
}

// database returns the injected database with the table ensured, or opens
// one. A fresh open retries while MySQL is unreachable, so the store can
// start before its database.
func database(ctx context.Context, cfg Config, injected *gorm.DB, log *slog.Logger) (*gorm.DB, error) {
	if injected != nil {
		return injected, ensureTable(ctx, injected)
	}
	for attempt := 0; ; attempt++ {
		db, err := openMySQL(ctx, cfg.MySQL)
		if err == nil {
			return db, nil
		}
		log.Warn("store: mysql unavailable, retrying", "attempt", attempt+1, "err", err)
		if backoff.Sleep(ctx, retryPause(attempt)) != nil {
			return nil, fmt.Errorf("%w (last attempt: %w)", ctx.Err(), err)
		}
	}
}

func closeDB(db *gorm.DB, log *slog.Logger) {
	sqlDB, err := db.DB()
	if err == nil {
		err = sqlDB.Close()
	}
	if err != nil {
		log.Warn("store: close mysql", "err", err)
	}
}
