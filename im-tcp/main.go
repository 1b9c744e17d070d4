// Command im-tcp is the gateway node: TCP :19001 and WebSocket :19002/ws
// for clients, ops on IM_HTTP_ADDR. Configuration comes from IM_*
// variables (see gateway.Config and im-common/config for the shared
// Rabbit, Redis, ZooKeeper and Log sections).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/whaleim/whaleim/im-common/config"
	"github.com/whaleim/whaleim/im-common/logging"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/rabbit"
	"github.com/whaleim/whaleim/im-common/zookeeper"
	"github.com/whaleim/whaleim/im-tcp/gateway"
	"github.com/whaleim/whaleim/im-tcp/redisdb"
	"github.com/whaleim/whaleim/im-tcp/zkregistry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "im-tcp:", err)
		os.Exit(1)
	}
}

// run loads the configuration, connects the infrastructure and serves
// until ctx ends.
func run(ctx context.Context, getenv func(string) string, logOut io.Writer) error {
	n, err := build(ctx, getenv, logOut)
	if err != nil {
		return err
	}
	defer n.close()
	return gateway.Run(ctx, n.cfg, n.deps)
}

// build loads the configuration and connects a node.
func build(ctx context.Context, getenv func(string) string, logOut io.Writer) (*node, error) {
	e := config.NewEnv(getenv)
	rc, rd, zc, lc := config.LoadRabbit(e), config.LoadRedis(e), config.LoadZooKeeper(e), config.LoadLog(e)
	cfg := gateway.LoadConfig(e, rc, zc)
	if err := e.Err(); err != nil {
		return nil, err
	}
	log := logging.New(logOut, lc.Format, lc.Level).With("service", "im-tcp")
	return connect(ctx, cfg, rc, rd, zc, log)
}

// node is a gateway's configuration and dependencies with the
// infrastructure connections behind them.
type node struct {
	cfg  gateway.Config
	deps gateway.Deps
	rdb  *redis.Client
	mq   *rabbit.Conn
	zk   *zookeeper.Client
	log  *slog.Logger
	// stopMQ closes the broker connection and waits for its Run.
	stopMQ func()
}

// connect dials Redis, RabbitMQ (declaring the uplink shards and this
// node's downlink queue) and ZooKeeper, and builds the gateway.
func connect(ctx context.Context, cfg gateway.Config, rc config.Rabbit, rd config.Redis, zc config.ZooKeeper, log *slog.Logger) (*node, error) {
	rdb := redis.NewClient(&redis.Options{Addr: rd.Addr, Password: rd.Password, DB: rd.DB})
	topo := mq.UplinkTopology(rc.UplinkShards, rc.QueueType).Merge(mq.DownlinkTopology(cfg.BrokerID))
	mqc, err := rabbit.Dial(ctx, rc.URL, topo, log, rabbit.WithName("im-tcp-"+cfg.BrokerID))
	if err != nil {
		rdb.Close()
		return nil, err
	}
	mqCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mqc.Run(mqCtx); err != nil {
			log.Error("rabbit connection ended", "err", err)
		}
	}()
	n := &node{rdb: rdb, mq: mqc, log: log, stopMQ: func() { cancel(); <-done }}
	if n.zk, err = zookeeper.Connect(ctx, zc.Servers, zc.SessionTimeout, log); err != nil {
		n.close()
		return nil, err
	}
	n.cfg, n.deps = cfg, gateway.Deps{
		Sessions: redisdb.NewSessions(rdb, cfg.SessionTTL), Apps: redisdb.NewApps(rdb), Queue: mqc.Ports(0),
		Registry: zkregistry.Registry{C: n.zk}, Checks: n.checks(), Log: log,
	}
	return n, nil
}

func (n *node) checks() []gateway.Check {
	return []gateway.Check{
		{Name: "redis", Probe: func(ctx context.Context) error { return n.rdb.Ping(ctx).Err() }},
		{Name: "zookeeper", Probe: n.zk.Probe},
		{Name: "rabbitmq", Probe: func(context.Context) error {
			if !n.mq.Ready() {
				return errors.New("not connected")
			}
			return nil
		}},
	}
}

// close releases the connections; the ZooKeeper close removes the node at
// once if Deregister could not.
func (n *node) close() {
	if n.zk != nil {
		n.zk.Close()
	}
	n.stopMQ()
	n.rdb.Close()
}
