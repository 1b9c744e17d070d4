package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/whaleim/whaleim/im-common/config"
	"github.com/whaleim/whaleim/im-common/logging"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/domain"
	"github.com/whaleim/whaleim/im-message-store/store"
	"github.com/whaleim/whaleim/im-tcp/gateway"
	"github.com/whaleim/whaleim/im-tcp/redisdb"
)

// standalone is the loaded configuration of the three services.
type standalone struct {
	getenv  func(string) string
	dir     string
	domain  domain.Config
	gateway gateway.Config
	store   store.Config
	rabbit  config.Rabbit // the queue's shards and type, whichever queue it is
	redis   config.Redis
	zk      config.ZooKeeper
	web     string // the web demo's address, "" when off
	log     *slog.Logger
}

// load reads and checks every setting, and that every listen address is
// free, before anything starts.
func load(getenv func(string) string, logOut io.Writer) (*standalone, error) {
	dir, err := dataDir(getenv)
	if err != nil {
		return nil, err
	}
	secret, err := appSecret(dir)
	if err != nil {
		return nil, err
	}
	denv, genv, senv := views(getenv, secret)
	s := &standalone{getenv: getenv, dir: dir, web: webAddr(getenv)}
	if s.domain, err = domain.Load(denv); err != nil {
		return nil, oneLine(err)
	}
	e := config.NewEnv(genv)
	rc, zc, lc := config.LoadRabbit(e), config.LoadZooKeeper(e), config.LoadLog(e)
	s.redis = config.LoadRedis(e)
	s.gateway, s.rabbit, s.zk = gateway.LoadConfig(e, rc, zc), rc, zc
	if err := e.Err(); err != nil {
		return nil, oneLine(err)
	}
	if s.store, err = store.Load(senv); err != nil {
		return nil, oneLine(err)
	}
	err = checkFree([]listenAddr{{"IM_HTTP_ADDR", s.domain.HTTPAddr}, {"IM_TCP_ADDR", s.gateway.TCPAddr},
		{"IM_WS_ADDR", s.gateway.WSAddr}, {envGatewayHTTP, s.gateway.HTTPAddr}, {envStoreHTTP, s.store.HTTPAddr}, {envWeb, s.web}})
	if err != nil {
		return nil, err
	}
	s.log = logging.New(logOut, lc.Format, lc.Level)
	return s, nil
}

// serve connects the parts and runs the services until ctx ends or one of
// them stops, then stops the others and releases the parts.
func (s *standalone) serve(ctx context.Context) error {
	storeTopo, dead := store.Topology(s.store)
	topo := mq.UplinkTopology(s.rabbit.UplinkShards, s.rabbit.QueueType).
		Merge(mq.DownlinkTopology(s.gateway.BrokerID)).Merge(storeTopo)
	p, err := connect(ctx, s.getenv, s.dir, s.redis, s.zk, topo, dead, s.log)
	if err != nil {
		return err
	}
	defer p.close()
	g, ctx := errgroup.WithContext(ctx)
	service := func(name string, run func(ctx context.Context) error) {
		g.Go(func() error {
			err := run(ctx)
			if ctx.Err() == nil { // stopped on its own: stop the others too
				return fmt.Errorf("%s stopped: %w", name, cmpErr(err))
			}
			return err
		})
	}
	service("domain", func(ctx context.Context) error {
		return domain.Run(ctx, s.domain, domain.Deps{DB: p.db, Redis: p.rdb, Queue: p.queue, Gateways: p.gateways,
			Log: s.log.With("service", "im-domain")})
	})
	service("store", func(ctx context.Context) error {
		return store.Run(ctx, s.store, store.Deps{DB: p.db, Queue: p.queue, Log: s.log.With("service", "im-message-store")})
	})
	service("gateway", func(ctx context.Context) error {
		return gateway.Run(ctx, s.gateway, gateway.Deps{Sessions: redisdb.NewSessions(p.rdb, s.gateway.SessionTTL), Apps: redisdb.NewApps(p.rdb),
			Queue: p.queue, Registry: p.registry, Checks: s.checks(p), Log: s.log.With("service", "im-tcp")})
	})
	if s.web != "" {
		site := webSite(s.domain.AppID, s.domain.HTTPAddr)
		service("web", func(ctx context.Context) error { return serveWeb(ctx, s.web, site) })
	}
	s.log.Info("standalone started", "web", s.web, "data", s.dir, "rest", s.domain.HTTPAddr, "tcp", s.gateway.TCPAddr,
		"ws", s.gateway.WSAddr+s.gateway.WSPath, "app", s.domain.AppID)
	err = g.Wait()
	s.log.Info("standalone stopped", "err", err)
	return err
}

// checks are the gateway's readiness probes of the parts it uses.
func (s *standalone) checks(p *parts) []gateway.Check {
	checks := []gateway.Check{
		{Name: "redis", Probe: func(ctx context.Context) error { return p.rdb.Ping(ctx).Err() }},
		{Name: "queue", Probe: func(context.Context) error {
			if !p.queue.Ready() {
				return errors.New("not ready")
			}
			return nil
		}},
	}
	if p.zkProbe != nil {
		checks = append(checks, gateway.Check{Name: "zookeeper", Probe: p.zkProbe})
	}
	return checks
}

// oneLine turns the services' list of configuration errors ("invalid
// configuration:" then one line per setting) into one line that starts
// with the first setting at fault.
func oneLine(err error) error {
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	if len(lines) > 1 && strings.HasSuffix(lines[0], ":") {
		lines = lines[1:]
	}
	return errors.New(strings.Join(lines, "; "))
}

// cmpErr names a nil error, for a service that returned without one.
func cmpErr(err error) error {
	if err == nil {
		return errors.New("without an error")
	}
	return err
}
