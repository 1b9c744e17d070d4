// Command im-message-store persists chat messages: it consumes the im.store
// queue and writes batches to MySQL (see package store).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sync/errgroup"

	"github.com/whaleim/whaleim/im-common/logging"
	"github.com/whaleim/whaleim/im-common/rabbit"
	"github.com/whaleim/whaleim/im-message-store/store"
)

func main() {
	cfg, err := store.Load(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	log := logging.New(os.Stderr, cfg.Log.Format, cfg.Log.Level)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Info("im-message-store starting", "http", cfg.HTTPAddr, "queue_type", cfg.Rabbit.QueueType, "mq_prefix", cfg.MQPrefix)
	if err := run(ctx, cfg, log); err != nil {
		log.Error("im-message-store stopped", "err", err)
		os.Exit(1)
	}
	log.Info("im-message-store stopped")
}

// run wires the store to RabbitMQ: it dials (retrying until the broker
// answers or ctx ends), declares the store topology, keeps the connection
// up and runs the store on it until ctx ends.
func run(ctx context.Context, cfg store.Config, log *slog.Logger) error {
	topo, dead := store.Topology(cfg)
	conn, err := rabbit.Dial(ctx, cfg.Rabbit.URL, topo, log, rabbit.WithName("im-message-store"), rabbit.WithDeadLetterExchange(dead))
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped before the broker came up
		}
		return err
	}
	q := conn.Ports(1) // one confirm channel: the store publishes only dead letters
	defer q.Publisher.Close()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return conn.Run(ctx) })
	g.Go(func() error { return store.Run(ctx, cfg, store.Deps{Log: log, Queue: q}) })
	return g.Wait()
}
