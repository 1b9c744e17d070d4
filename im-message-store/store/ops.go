package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/whaleim/whaleim/im-common/profiling"
)

// ops serves the operational endpoints: /healthz (the process runs),
// /readyz (database and broker reachable), /metrics, and with pprof the
// runtime profiles to loopback clients.
type ops struct {
	addr    string
	ping    func(context.Context) error // database
	mqReady func() bool                 // broker connection up, topology declared
	gather  prometheus.Gatherer
	pprof   bool
	log     *slog.Logger
}

func (o *ops) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", o.ready)
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.gather, promhttp.HandlerOpts{}))
	if o.pprof {
		profiling.Mount(mux)
	}
	return mux
}

func (o *ops) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	var problems []error
	if err := o.ping(ctx); err != nil {
		problems = append(problems, fmt.Errorf("mysql: %w", err))
	}
	if !o.mqReady() {
		problems = append(problems, errors.New("rabbitmq: not connected"))
	}
	if err := errors.Join(problems...); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// Run serves until ctx is done, then shuts down within a few seconds.
func (o *ops) Run(ctx context.Context) error {
	l, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("store: ops listen: %w", err)
	}
	srv := opsServer(o.handler())
	o.log.Info("store: ops endpoints listening", "addr", l.Addr().String())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	select {
	case err := <-done:
		return fmt.Errorf("store: ops serve: %w", err)
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	return srv.Shutdown(shutCtx)
}

// opsServer bounds every phase of an ops request, so idle or slow clients
// cannot hold connections; the write timeout fits a default 30 s CPU
// profile (IM_PPROF).
func opsServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second,
		WriteTimeout: 2 * time.Minute, IdleTimeout: time.Minute, MaxHeaderBytes: 16 << 10}
}
