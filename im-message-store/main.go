// Command im-message-store persists chat messages: it consumes the im.store
// queue and writes batches to MySQL (see package store).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/whaleim/whaleim/im-common/logging"
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
	if err := store.Run(ctx, cfg, store.Deps{Log: log}); err != nil {
		log.Error("im-message-store stopped", "err", err)
		os.Exit(1)
	}
	log.Info("im-message-store stopped")
}
