// Command standalone is WhaleIM in one process: the gateway, the domain
// and the message store, on embedded stand-ins by default (miniredis
// speaking RESP on a loopback port, SQLite and the in-process durable
// queue in the data folder, a static registry in place of ZooKeeper), each
// replaced by the real service when its IM_* setting is given
// (IM_REDIS_ADDR, IM_MYSQL_DSN, IM_RABBIT_URL, IM_ZK_SERVERS). Data survives restarts in
// IM_DATA_DIR. Bad configuration stops it at start with one line naming the
// setting.
//
// Durability: an up-ACK is sent after the domain's publish to the store
// queue returned, and the in-process queue returns only after that record
// is fsynced to its log (group commit); the store writes it to SQLite
// (fsync per commit) and only then retires it. kill -9 loses no up-ACKed
// message.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "standalone:", err)
		os.Exit(1)
	}
}

// run starts the three services and serves until ctx ends.
func run(ctx context.Context, getenv func(string) string, logOut io.Writer) error {
	s, err := load(getenv, logOut)
	if err != nil {
		return err
	}
	return s.serve(ctx)
}
