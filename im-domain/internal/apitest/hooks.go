package apitest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-domain/internal/app"
)

// Hook is one callback request the app back-end received.
type Hook struct {
	Event  string
	Header http.Header
	Body   []byte
}

// Hooks is a stand-in app back-end: it records every callback and
// answers {"code": 200} unless Reply set another answer for the event.
type Hooks struct {
	URL     string
	mu      sync.Mutex
	got     []Hook
	replies map[string]any
}

// StartHooks runs a callback server for t.
func StartHooks(t *testing.T) *Hooks {
	h := &Hooks{replies: map[string]any{}}
	srv := httptest.NewServer(http.HandlerFunc(h.serve))
	h.URL = srv.URL + "/callback"
	t.Cleanup(srv.Close)
	return h
}

// Enable returns an Option that points the app's callbacks at h and
// enables events.
func (h *Hooks) Enable(events ...string) Option {
	return func(s *app.Settings) { s.CallbackURL, s.Callbacks = h.URL, events }
}

// Reply sets the envelope answered to event, e.g.
// {"code": 500, "msg": "no"} (a veto) or {"code": 200, "data": [...]}.
func (h *Hooks) Reply(event string, envelope any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.replies[event] = envelope
}

func (h *Hooks) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	event := r.Header.Get("X-IM-Event") // the command parameter has WhaleShark's names
	h.mu.Lock()
	h.got = append(h.got, Hook{Event: event, Header: r.Header.Clone(), Body: body})
	reply, ok := h.replies[event]
	h.mu.Unlock()
	if !ok {
		reply = map[string]any{"code": 200, "msg": ""}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(reply)
}

// All returns the callbacks received so far.
func (h *Hooks) All() []Hook {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

// Wait polls until a callback of event arrives, failing t after 5 s.
func (h *Hooks) Wait(t testing.TB, event string) Hook {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, x := range h.All() {
			if x.Event == event {
				return x
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %s callback; got %d others", event, len(h.All()))
	return Hook{}
}

// Count returns how many callbacks of event arrived.
func (h *Hooks) Count(event string) int {
	n := 0
	for _, x := range h.All() {
		if x.Event == event {
			n++
		}
	}
	return n
}
