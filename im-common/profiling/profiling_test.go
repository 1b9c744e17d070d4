package profiling_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-common/profiling"
)

func TestMount(t *testing.T) {
	mux := http.NewServeMux()
	profiling.Mount(mux)
	tests := []struct {
		name, path, remote string
		wantCode           int
		wantBody           string
	}{
		{"index from loopback", "/debug/pprof/", "127.0.0.1:5000", 200, "goroutine"},
		{"heap from ipv6 loopback", "/debug/pprof/heap?debug=1", "[::1]:5000", 200, "heap profile"},
		{"goroutines from loopback", "/debug/pprof/goroutine?debug=1", "127.0.0.1:5000", 200, "goroutine profile"},
		{"index from the network", "/debug/pprof/", "10.1.2.3:5000", 403, "loopback"},
		{"cmdline from the network", "/debug/pprof/cmdline", "192.168.0.7:5000", 403, "loopback"},
		{"unparsable remote", "/debug/pprof/", "somewhere", 403, "loopback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tt.path, nil)
			req.RemoteAddr = tt.remote
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if rec.Code != tt.wantCode || !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("GET %s from %s = %d %.80q, want %d containing %q", tt.path, tt.remote, rec.Code, rec.Body.String(), tt.wantCode, tt.wantBody)
			}
		})
	}
}
