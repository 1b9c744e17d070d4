package domain

import (
	"net/http"
	"testing"
)

// TestAPIServerTimeouts: the REST server bounds reading the headers and
// the body, idling between requests and writing a response.
func TestAPIServerTimeouts(t *testing.T) {
	s := apiServer(http.NotFoundHandler())
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.IdleTimeout <= 0 || s.WriteTimeout <= 0 || s.MaxHeaderBytes <= 0 {
		t.Fatalf("read header %v, read %v, idle %v, write %v, header bytes %d",
			s.ReadHeaderTimeout, s.ReadTimeout, s.IdleTimeout, s.WriteTimeout, s.MaxHeaderBytes)
	}
}
