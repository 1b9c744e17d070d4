// Command im-domain runs one domain node: the signed REST API (users,
// login routing, and the features added next to them) over MySQL, Redis,
// RabbitMQ and ZooKeeper, configured by IM_* environment variables (see
// domain.Config).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/whaleim/whaleim/im-common/logging"
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
	if err := domain.Run(ctx, cfg, domain.Deps{Log: log}); err != nil {
		return err
	}
	log.Info("im-domain stopped")
	return nil
}
