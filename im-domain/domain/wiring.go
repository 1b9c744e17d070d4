package domain

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/zookeeper"
	"github.com/whaleim/whaleim/im-domain/internal/logincheck"
	"github.com/whaleim/whaleim/im-domain/internal/routing"
)

// dialTimeout bounds connecting to ZooKeeper at start-up, so a missing
// dependency fails the start instead of hanging it.
const dialTimeout = 30 * time.Second

// pushTTL drops a push nobody consumed: it is best-effort, and a device
// that missed it catches up by sync.
const pushTTL = 30 * time.Second

// pushPublisher publishes downlink pushes: not persistent, expiring after
// pushTTL.
type pushPublisher struct{ q mq.Publisher }

func (p pushPublisher) Publish(ctx context.Context, exchange, key string, body []byte) error {
	return p.q.Publish(ctx, exchange, key, mq.Publishing{Body: body, ContentType: "application/json", Expiration: pushTTL})
}

// queueReady is the queue's readiness check.
func (n *Node) queueReady(context.Context) error {
	if !n.queue.Ready() {
		return errors.New("message queue not ready")
	}
	return nil
}

func (n *Node) gateways(ctx context.Context, deps Deps) (routing.Members, error) {
	if deps.Gateways != nil {
		return gatewayList{deps.Gateways}, nil
	}
	z := n.cfg.ZooKeeper
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	zc, err := zookeeper.Connect(dctx, z.Servers, z.SessionTimeout, n.log)
	if err != nil {
		return nil, fmt.Errorf("domain: %w", err)
	}
	n.closers = append(n.closers, zc.Close)
	n.zkReady = zc.Probe
	n.zk = zc
	return routing.NewRegistry(zc, z.Root+"/gateways"), nil
}

// gatewayList adapts the public Gateways to routing.Members.
type gatewayList struct{ g Gateways }

func (l gatewayList) Gateways(ctx context.Context) ([]routing.Gateway, error) {
	gws, err := l.g.Gateways(ctx)
	out := make([]routing.Gateway, len(gws))
	for i, g := range gws {
		out[i] = routing.Gateway{ID: g.ID, TCP: g.TCP, WS: g.WS}
	}
	return out, err
}

// Run serves HTTP (and consumes the queue) until ctx ends, then
// stops accepting, lets in-flight requests finish within ShutdownTimeout,
// and returns.
func (n *Node) Run(ctx context.Context) error {
	ln := n.listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", n.cfg.HTTPAddr); err != nil {
			return fmt.Errorf("domain: listen: %w", err)
		}
	}
	ln = n.cfg.TLS.Listener(ln)
	srv := apiServer(n.handler)
	g, gctx := errgroup.WithContext(ctx)
	for _, run := range n.runners {
		g.Go(func() error { return run(gctx) })
	}
	g.Go(func() error {
		n.log.Info("domain http listening", "addr", ln.Addr().String())
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("domain: http: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), n.cfg.ShutdownTimeout)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	return g.Wait()
}

// loginCheckers is how many login checks a node answers at once; each is
// one primary-key read.
const loginCheckers = 4

// serveLoginChecks declares mq.QueueAuth and answers the gateways' login
// checks from users under Run.
func (n *Node) serveLoginChecks(ctx context.Context, users logincheck.Users) error {
	if err := n.queue.Declare(ctx, mq.AuthTopology()); err != nil {
		return fmt.Errorf("domain: declare login check queue: %w", err)
	}
	c := logincheck.New(users, n.log)
	n.runners = append(n.runners, func(ctx context.Context) error { return c.Run(ctx, n.queue, loginCheckers) })
	return nil
}

// apiServer bounds every phase of a REST request, so slow or idle clients
// cannot hold connections.
func apiServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}
