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
)

func TestOps(t *testing.T) {
	reg := newRegistry()
	newMetrics(reg)
	tests := []struct {
		name     string
		path     string
		pingErr  error
		mqReady  bool
		wantCode int
		wantBody string
	}{
		{"healthy", "/healthz", errors.New("db down"), false, 200, "ok"},
		{"ready", "/readyz", nil, true, 200, "ready"},
		{"db down", "/readyz", errors.New("db down"), true, 503, "mysql: db down"},
		{"mq down", "/readyz", nil, false, 503, "rabbitmq: not connected"},
		{"metrics", "/metrics", nil, true, 200, "im_store_dead_lettered_total{reason=\"conflict\"} 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &ops{
				ping:    func(context.Context) error { return tt.pingErr },
				mqReady: func() bool { return tt.mqReady },
				gather:  reg, log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			}
			rec := httptest.NewRecorder()
			o.handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			if rec.Code != tt.wantCode || !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("GET %s = %d %q, want %d containing %q", tt.path, rec.Code, rec.Body.String(), tt.wantCode, tt.wantBody)
			}
		})
	}
}
