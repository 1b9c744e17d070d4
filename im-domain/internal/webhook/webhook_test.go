package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/app"
	"github.com/whaleim/whaleim/im-domain/internal/user"
)

const secret = "app-secret-0123456789"

type fakeApps map[uint32]*app.App

func (f fakeApps) App(_ context.Context, id uint32) (*app.App, error) {
	if a, ok := f[id]; ok {
		return a, nil
	}
	return nil, errcode.AppNotFound
}

// appServer is an app back-end: it verifies every request's signature and
// answers with reply.
type appServer struct {
	t     *testing.T
	srv   *httptest.Server
	mu    sync.Mutex
	calls []call
	reply func(n int, w http.ResponseWriter, r *http.Request)
}

type call struct {
	event, delivery, query string
	body                   []byte
}

func newAppServer(t *testing.T, reply func(n int, w http.ResponseWriter, r *http.Request)) *appServer {
	s := &appServer{t: t, reply: reply}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := Verify(secret, r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature), body, time.Now()); err != nil {
			t.Errorf("signature: %v", err)
		}
		s.mu.Lock()
		s.calls = append(s.calls, call{r.Header.Get(HeaderEvent), r.Header.Get(HeaderDeliveryID), r.URL.RawQuery, body})
		n := len(s.calls)
		s.mu.Unlock()
		s.reply(n, w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *appServer) Calls() []call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

func ok(data any) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"code": 200, "msg": "", "data": data})
	}
}

func newClient(t *testing.T, url string, failOpen bool, events ...string) *Client {
	s := app.DefaultSettings()
	s.CallbackURL, s.Callbacks, s.CallbackFailOpen, s.CallbackTimeout = url, events, failOpen, 200*time.Millisecond
	apps := fakeApps{7: {ID: 7, Secret: secret, Admins: []string{"admin"}, Settings: s}}
	c := New(apps, Config{QueueSize: 16, Workers: 2, MaxAttempts: 3, BaseBackoff: 5 * time.Millisecond}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return c
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestSignatureVerifiable(t *testing.T) {
	srv := newAppServer(t, ok(nil))
	c := newClient(t, srv.srv.URL+"/cb?x=1", true, FriendAddBefore)
	if _, err := c.Before(t.Context(), 7, FriendAddBefore, map[string]string{"fromId": "alice", "toId": "bob"}); err != nil {
		t.Fatal(err)
	}
	calls := srv.Calls()
	if len(calls) != 1 || calls[0].event != FriendAddBefore || len(calls[0].delivery) != 32 ||
		!strings.Contains(calls[0].query, "appId=7") || !strings.Contains(calls[0].query, "command=friend.add.before") ||
		!strings.Contains(calls[0].query, "x=1") || string(calls[0].body) != `{"fromId":"alice","toId":"bob"}` {
		t.Errorf("calls = %+v", calls)
	}
	now := time.Unix(1_700_000_000, 0)
	sig := Sign(secret, now.Unix(), []byte("{}"))
	tests := []struct {
		name, secret, ts, sig, body string
		at                          time.Time
		want                        error
	}{
		{"valid", secret, "1700000000", sig, "{}", now, nil},
		{"other body", secret, "1700000000", sig, "{ }", now, ErrBadSignature},
		{"other secret", "guess", "1700000000", sig, "{}", now, ErrBadSignature},
		{"replayed later", secret, "1700000000", sig, "{}", now.Add(6 * time.Minute), ErrStale},
		{"no prefix", secret, "1700000000", strings.TrimPrefix(sig, "v1="), "{}", now, ErrBadSignature},
		{"bad timestamp", secret, "soon", sig, "{}", now, ErrBadSignature},
	}
	for _, tt := range tests {
		if err := Verify(tt.secret, tt.ts, tt.sig, []byte(tt.body), tt.at); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestBeforeVetoAndRewrite(t *testing.T) {
	veto := newAppServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`{"code":4100,"msg":"not on my watch","data":["x"]}`))
	})
	c := newClient(t, veto.srv.URL, true, FriendAddBefore)
	_, err := c.Before(t.Context(), 7, FriendAddBefore, nil)
	if !errors.Is(err, errcode.CallbackVeto) || !strings.Contains(errcode.Of(err).Message, "not on my watch") {
		t.Errorf("veto: %v", err)
	}
	rewrite := newAppServer(t, ok([]string{"bob"}))
	c = newClient(t, rewrite.srv.URL, true, GroupMemberAddBefore, FriendAddBefore)
	got, err := c.Before(t.Context(), 7, GroupMemberAddBefore, map[string]any{"members": []string{"bob", "eve"}})
	if err != nil || string(got) != `["bob"]` {
		t.Errorf("rewrite = %s %v", got, err)
	}
	if got, err := c.Before(t.Context(), 7, FriendAddBefore, nil); err != nil || got != nil {
		t.Errorf("non-rewritable event returned %s %v", got, err)
	}
}

func TestBeforeFailureFailOpenVsClosed(t *testing.T) {
	hang := newAppServer(t, func(_ int, _ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	broken := newAppServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { w.Write([]byte("<html>")) })
	down := newAppServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(502) })
	for _, srv := range []*appServer{hang, broken, down} {
		for _, failOpen := range []bool{true, false} {
			c := newClient(t, srv.srv.URL, failOpen, MessageSendBefore)
			start := time.Now()
			_, err := c.Before(t.Context(), 7, MessageSendBefore, map[string]string{"body": "hi"})
			if took := time.Since(start); took > time.Second {
				t.Errorf("Before took %v with a 200ms timeout", took)
			}
			if failOpen && err != nil {
				t.Errorf("fail-open: %v", err)
			}
			if !failOpen && (!errors.Is(err, errcode.Unavailable) || errors.Is(err, errcode.CallbackVeto)) {
				t.Errorf("fail-closed: %v, want Unavailable", err)
			}
		}
	}
}

func TestDisabledCallbackSendsNothing(t *testing.T) {
	srv := newAppServer(t, ok(nil))
	c := newClient(t, srv.srv.URL, false, FriendAddAfter)
	if _, err := c.Before(t.Context(), 7, FriendAddBefore, nil); err != nil {
		t.Error(err)
	}
	c.After(t.Context(), 7, GroupCreateAfter, nil)
	c.After(t.Context(), 7, FriendAddAfter, "enabled")
	eventually(t, "the enabled after-callback", func() bool { return len(srv.Calls()) == 1 })
	if calls := srv.Calls(); calls[0].event != FriendAddAfter {
		t.Errorf("calls = %+v", calls)
	}
	if _, err := c.Before(t.Context(), 99, FriendAddBefore, nil); !errors.Is(err, errcode.AppNotFound) {
		t.Errorf("unknown app: %v", err)
	}
}

func TestAfterRetriedUntilSuccess(t *testing.T) {
	srv := newAppServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	c := newClient(t, srv.srv.URL, true, UserModifyAfter)
	c.After(t.Context(), 7, UserModifyAfter, map[string]string{"userId": "alice"})
	eventually(t, "three attempts", func() bool { return len(srv.Calls()) >= 3 })
	time.Sleep(50 * time.Millisecond) // absence check: nothing after the success
	calls := srv.Calls()
	if len(calls) != 3 || calls[0].delivery != calls[2].delivery || string(calls[2].body) != `{"userId":"alice"}` {
		t.Errorf("calls = %+v", calls)
	}
}

// A permanent refusal is not retried, and a broken endpoint gets at most
// MaxAttempts per event.
func TestNoRetryStormOnPermanentFailure(t *testing.T) {
	var bad, down atomic.Int32
	refuse := newAppServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { bad.Add(1); w.WriteHeader(http.StatusBadRequest) })
	fail := newAppServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		down.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	})
	c1 := newClient(t, refuse.srv.URL, true, GroupCreateAfter)
	c2 := newClient(t, fail.srv.URL, true, GroupCreateAfter)
	for range 4 {
		c1.After(t.Context(), 7, GroupCreateAfter, nil)
		c2.After(t.Context(), 7, GroupCreateAfter, nil)
	}
	eventually(t, "all attempts", func() bool { return bad.Load() >= 4 && down.Load() >= 12 })
	time.Sleep(100 * time.Millisecond) // absence check: no further attempts
	if bad.Load() != 4 || down.Load() != 12 {
		t.Errorf("attempts: 400 endpoint %d (want 4), 500 endpoint %d (want 4 events x 3)", bad.Load(), down.Load())
	}
}

func TestAfterNeverBlocks(t *testing.T) {
	s := app.DefaultSettings()
	s.CallbackURL, s.Callbacks = "http://127.0.0.1:1/", []string{UserModifyAfter}
	c := New(fakeApps{7: {ID: 7, Secret: secret, Settings: s}}, Config{QueueSize: 2}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	start := time.Now()
	for range 1000 { // no Run: the queue fills at 2 and the rest is dropped
		c.After(t.Context(), 7, UserModifyAfter, nil)
	}
	if took := time.Since(start); took > time.Second || len(c.queue) != 2 {
		t.Errorf("1000 After calls took %v, queue %d", took, len(c.queue))
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	c := New(fakeApps{}, Config{BaseBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for attempt, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 10: time.Second, 70: time.Second} {
		if got := c.backoff(attempt); got < want/2 || got > want {
			t.Errorf("backoff(%d) = %v, want in [%v, %v]", attempt, got, want/2, want)
		}
	}
}

// The user feature names its event without importing this package.
func TestUserEventName(t *testing.T) {
	if user.EventModifyAfter != UserModifyAfter {
		t.Errorf("user.EventModifyAfter = %q", user.EventModifyAfter)
	}
}
