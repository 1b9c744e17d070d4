package store

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestOps(t *testing.T) {
	reg := newRegistry()
	newMetrics(reg)
	tests := []struct {
		name     string
		path     string
		pingErr  error
		mqReady  bool
		pprof    bool
		wantCode int
		wantBody string
	}{
		{"healthy", "/healthz", errors.New("db down"), false, false, 200, "ok"},
		{"ready", "/readyz", nil, true, false, 200, "ready"},
		{"db down", "/readyz", errors.New("db down"), true, false, 503, "mysql: db down"},
		{"mq down", "/readyz", nil, false, false, 503, "rabbitmq: not connected"},
		{"metrics", "/metrics", nil, true, false, 200, "im_store_dead_lettered_total{reason=\"conflict\"} 0"},
		{"pprof off", "/debug/pprof/", nil, true, false, 404, ""},
		{"pprof on", "/debug/pprof/", nil, true, true, 200, "goroutine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &ops{
				ping:    func(context.Context) error { return tt.pingErr },
				mqReady: func() bool { return tt.mqReady },
				gather:  reg, pprof: tt.pprof, log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, tt.path, nil)
			req.RemoteAddr = "127.0.0.1:40000"
			o.handler().ServeHTTP(rec, req)
			if rec.Code != tt.wantCode || !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("GET %s = %d %q, want %d containing %q", tt.path, rec.Code, rec.Body.String(), tt.wantCode, tt.wantBody)
			}
		})
	}
}

// TestOpsServerTimeouts: every phase of an ops request is bounded, so idle
// or slow clients cannot hold connections, and a default 30 s CPU profile
// still fits the write timeout.
func TestOpsServerTimeouts(t *testing.T) {
	s := opsServer(http.NotFoundHandler())
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.IdleTimeout <= 0 || s.WriteTimeout <= 30*time.Second {
		t.Fatalf("timeouts: read header %v, read %v, idle %v, write %v", s.ReadHeaderTimeout, s.ReadTimeout, s.IdleTimeout, s.WriteTimeout)
	}
}
