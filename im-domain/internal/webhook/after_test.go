package webhook

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/inproc"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-domain/internal/app"
)

var discard = slog.New(slog.DiscardHandler)

// testConfig retries fast: 3 attempts, 20-40ms apart.
var testConfig = Config{Workers: 2, MaxAttempts: 3, BaseBackoff: 40 * time.Millisecond, MaxBackoff: 80 * time.Millisecond}

// outcomes is an Observer that counts.
type outcomes struct {
	mu sync.Mutex
	n  map[Outcome]int
}

func (o *outcomes) Outcome(_ string, out Outcome) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n == nil {
		o.n = map[Outcome]int{}
	}
	o.n[out]++
}

func (o *outcomes) Count(out Outcome) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n[out]
}

// openQueue opens the standalone binary's durable in-process queue on dir
// with the webhook topology; it is closed at cleanup (closing twice is
// harmless).
func openQueue(t *testing.T, dir string) *inproc.Broker {
	t.Helper()
	b, err := inproc.Open(discard, inproc.WithDataFolder(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if err := b.Declare(t.Context(), mq.WebhookTopology(mq.Classic)); err != nil {
		t.Fatal(err)
	}
	return b
}

// runClient runs c's delivery until the returned stop or the test's end.
func runClient(t *testing.T, c *Client) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

func testApps(url string, events ...string) fakeApps {
	s := app.DefaultSettings()
	s.CallbackURL, s.Callbacks, s.CallbackTimeout = url, events, 500*time.Millisecond
	return fakeApps{7: {ID: 7, Secret: secret, Admins: []string{"admin"}, Settings: s}}
}

// failing answers 503 to the first n requests, then 200.
func failing(n int) func(int, http.ResponseWriter, *http.Request) {
	return func(i int, w http.ResponseWriter, _ *http.Request) {
		if i <= n {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}
}

func TestAfterRetriedUntilSuccess(t *testing.T) {
	srv := newAppServer(t, failing(2))
	c, obs := newDelivery(t, srv.srv.URL, true, UserModifyAfter)
	c.After(t.Context(), 7, UserModifyAfter, map[string]string{"userId": "alice"})
	testwait.Until(t, 10*time.Second, "delivery", func() bool { return obs.Count(Delivered) == 1 })
	calls := srv.Calls()
	if len(calls) != 3 || calls[0].delivery != calls[2].delivery || string(calls[2].body) != `{"userId":"alice"}` ||
		obs.Count(Retried) != 2 || obs.Count(DeadLetter) != 0 {
		t.Errorf("calls = %+v, outcomes %v", calls, obs.n)
	}
}

// The acceptance case: the node stops while an event waits for its next
// attempt; a node started on the same queue delivers it with the same
// delivery id, nothing lost.
func TestAfterSurvivesRestartMidRetry(t *testing.T) {
	srv := newAppServer(t, failing(2))
	apps := testApps(srv.srv.URL, GroupCreateAfter)
	dir := t.TempDir()
	cfg := Config{Workers: 1, MaxAttempts: 5, BaseBackoff: 300 * time.Millisecond, MaxBackoff: time.Second}
	q1 := openQueue(t, dir)
	obs1 := &outcomes{}
	c1 := New(apps, q1, obs1, cfg, discard)
	stop := runClient(t, c1)
	c1.After(t.Context(), 7, GroupCreateAfter, map[string]string{"groupId": "g1"})
	testwait.Until(t, 10*time.Second, "a failed attempt", func() bool { return obs1.Count(Retried) == 1 })
	stop()
	q1.Close()
	if n := len(srv.Calls()); n != 1 {
		t.Fatalf("%d attempts before the restart, want 1", n)
	}

	obs2 := &outcomes{}
	c2 := New(apps, openQueue(t, dir), obs2, cfg, discard)
	runClient(t, c2)
	testwait.Until(t, 10*time.Second, "delivery after the restart", func() bool { return obs2.Count(Delivered) == 1 })
	calls := srv.Calls()
	if len(calls) != 3 {
		t.Fatalf("%d attempts, want 3", len(calls))
	}
	for _, c := range calls {
		if c.delivery != calls[0].delivery || string(c.body) != `{"groupId":"g1"}` {
			t.Errorf("attempt %+v differs from the first %+v", c, calls[0])
		}
	}
}

// A broken endpoint gets MaxAttempts per event and a refusing one a single
// attempt; both end in the dead-letter queue, counted.
func TestFailuresEndInDeadLetter(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		attempts int
	}{
		{"server error retried to the limit", http.StatusInternalServerError, testConfig.MaxAttempts},
		{"refusal not retried", http.StatusBadRequest, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAppServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(tt.status) })
			q := openQueue(t, t.TempDir())
			obs := &outcomes{}
			c := New(testApps(srv.srv.URL, GroupCreateAfter), q, obs, testConfig, discard)
			runClient(t, c)
			for range 2 {
				c.After(t.Context(), 7, GroupCreateAfter, nil)
			}
			dead := collectDead(t, q)
			testwait.Until(t, 10*time.Second, "two dead letters", func() bool { return len(dead()) == 2 })
			if n := len(srv.Calls()); n != 2*tt.attempts || obs.Count(DeadLetter) != 2 {
				t.Errorf("%d attempts (want %d), %d counted dead", n, 2*tt.attempts, obs.Count(DeadLetter))
			}
			var ev mq.WebhookEvent
			if err := json.Unmarshal(dead()[0].Body, &ev); err != nil || ev.Event != GroupCreateAfter || ev.Attempt != tt.attempts {
				t.Errorf("dead letter %+v (%v)", ev, err)
			}
		})
	}
}

// collectDead consumes the dead-letter queue of q.
func collectDead(t *testing.T, q *inproc.Broker) func() []mq.Delivery {
	var mu sync.Mutex
	var got []mq.Delivery
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		q.Consume(ctx, mq.QueueDeadLetters, mq.ConsumeOptions{}, func(_ context.Context, d mq.Delivery) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, d)
			return nil
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return func() []mq.Delivery {
		mu.Lock()
		defer mu.Unlock()
		return append([]mq.Delivery(nil), got...)
	}
}

func TestCanonicalAndCommand(t *testing.T) {
	tests := []struct{ name, event, command string }{
		{"black.delete", BlackDeleteAfter, "black.delete"},
		{"black.delete.after", BlackDeleteAfter, "black.delete"},
		{"group.destory.after", GroupDestroyAfter, "group.destory.after"},
		{"group.destroy.after", GroupDestroyAfter, "group.destory.after"},
		{"friend.add.after", FriendAddAfter, "friend.add.after"},
	}
	for _, tt := range tests {
		ev, ok := Canonical(tt.name)
		if !ok || ev != tt.event || Command(ev) != tt.command {
			t.Errorf("Canonical(%q) = %q %v, command %q", tt.name, ev, ok, Command(ev))
		}
	}
	if ev, ok := Canonical("group.explode.after"); ok || ev != "group.explode.after" {
		t.Errorf("unknown name: %q %v", ev, ok)
	}
}
