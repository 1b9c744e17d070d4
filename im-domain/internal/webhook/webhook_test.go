package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-domain/internal/app"
	"github.com/whaleim/whaleim/im-domain/internal/push"
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
	c, _ := newDelivery(t, url, failOpen, events...)
	return c
}

// newDelivery is newClient that also returns the outcome counts.
func newDelivery(t *testing.T, url string, failOpen bool, events ...string) (*Client, *outcomes) {
	s := app.DefaultSettings()
	s.CallbackURL, s.Callbacks, s.CallbackFailOpen, s.CallbackTimeout = url, events, failOpen, 200*time.Millisecond
	apps := fakeApps{7: {ID: 7, Secret: secret, Admins: []string{"admin"}, Settings: s}}
	q := openQueue(t, t.TempDir())
	obs := &outcomes{}
	c := New(apps, q, obs, testConfig, discard)
	runClient(t, c)
	return c, obs
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
	testwait.Until(t, 10*time.Second, "the enabled after-callback", func() bool { return len(srv.Calls()) == 1 })
	if calls := srv.Calls(); calls[0].event != FriendAddAfter {
		t.Errorf("calls = %+v", calls)
	}
	if _, err := c.Before(t.Context(), 99, FriendAddBefore, nil); !errors.Is(err, errcode.AppNotFound) {
		t.Errorf("unknown app: %v", err)
	}
}

// The user feature names its event without importing this package.
func TestUserEventName(t *testing.T) {
	if user.EventModifyAfter != UserModifyAfter {
		t.Errorf("user.EventModifyAfter = %q", user.EventModifyAfter)
	}
	if push.EventOffline != PushOffline {
		t.Errorf("push.EventOffline = %q", push.EventOffline)
	}
}
