package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// healthz answers while the process serves HTTP (liveness).
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz runs every check (MySQL, Redis, MQ) with a short deadline and
// answers 503 with the failing ones (a passing check shows "ok" or its
// Detail), so a load balancer stops routing to a
// node that lost a dependency.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status := map[string]string{}
	code := http.StatusOK
	for _, c := range s.checks {
		if err := c.Check(ctx); err != nil {
			status[c.Name] = err.Error()
			code = http.StatusServiceUnavailable
			continue
		}
		status[c.Name] = "ok"
		if c.Detail != nil {
			status[c.Name] = c.Detail()
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(status)
}
