package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/whaleim/whaleim/im-common/profiling"
)

// opsHandler serves /healthz (the process runs), /readyz (the node can
// take clients: registered, and every dependency answers) and /metrics.
func (g *Gateway) opsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", g.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(g.metrics.reg, promhttp.HandlerOpts{}))
	if g.cfg.Pprof {
		profiling.Mount(mux)
	}
	return mux
}

func (g *Gateway) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	var failed []string
	if reg := g.reg.Load(); reg == nil || !reg.Ready() {
		failed = append(failed, "registry: node not registered")
	}
	for _, c := range g.checks {
		if err := c.Probe(ctx); err != nil {
			failed = append(failed, c.Name+": "+err.Error())
		}
	}
	if len(failed) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		for _, f := range failed {
			_, _ = w.Write([]byte(f + "\n"))
		}
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// Ready reports whether the node is registered (for embedding binaries
// that have no ops listener).
func (g *Gateway) Ready() bool {
	reg := g.reg.Load()
	return reg != nil && reg.Ready()
}
