// Command im-domain runs one domain node: the signed REST API (users,
// login routing, and the features added next to them) over MySQL, Redis,
// RabbitMQ and ZooKeeper, configured by IM_* environment variables (see
// domain.Config).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/whaleim/whaleim/im-common/logging"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/rabbit"
	"github.com/whaleim/whaleim/im-domain/domain"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "im-domain:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := domain.Load(os.Getenv)
	if err != nil {
		return err
	}
	log := logging.New(os.Stderr, cfg.Log.Format, cfg.Log.Level).With("service", "im-domain")
	if cfg.AppSecret == domain.DevSecret {
		log.Warn("IM_DEV: using the development app secret; never do this in production", "app", cfg.AppID)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, cfg, log); err != nil {
		return err
	}
	log.Info("im-domain stopped")
	return nil
}

// dialTimeout bounds connecting to RabbitMQ at start-up, so a missing
// broker fails the start instead of hanging it.
const dialTimeout = 30 * time.Second

// serve wires the node to RabbitMQ (the node declares the rest of its
// topology on it) and runs it until ctx ends; the connection outlives the
// node so its last publishes can still be confirmed.
func serve(ctx context.Context, cfg domain.Config, log *slog.Logger) error {
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	conn, err := rabbit.Dial(dctx, cfg.Rabbit.URL, mq.DownlinkExchange(), log, rabbit.WithName("im-domain"))
	if err != nil {
		return fmt.Errorf("rabbitmq: %w", err)
	}
	q := conn.Ports(0)
	defer q.Publisher.Close()
	connCtx, stopConn := context.WithCancel(context.WithoutCancel(ctx))
	g := errgroup.Group{}
	g.Go(func() error { return conn.Run(connCtx) })
	err = domain.Run(ctx, cfg, domain.Deps{Queue: q, Log: log})
	stopConn()
	return errors.Join(err, g.Wait())
}
