package push

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/inproc"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-domain/internal/app"
	"github.com/whaleim/whaleim/im-domain/internal/push/pushtest"
	"github.com/whaleim/whaleim/im-domain/internal/retry"
)

// memStore is an in-memory Store.
type memStore struct {
	mu     sync.Mutex
	tokens []Token
}

func (m *memStore) SavePushToken(_ context.Context, _ uint32, t Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokens = append(m.tokens, t)
	return nil
}

func (m *memStore) DeletePushToken(context.Context, uint32, string, device.Type, string) error {
	return nil
}

func (m *memStore) DeletePushTokenValue(_ context.Context, _ uint32, provider, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokens = slices.DeleteFunc(m.tokens, func(t Token) bool { return t.Provider == provider && t.Token == token })
	return nil
}

func (m *memStore) PushTokens(_ context.Context, _ uint32, user string) ([]Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Token
	for _, t := range m.tokens {
		if t.UserID == user {
			out = append(out, t)
		}
	}
	return out, nil
}

type oneApp struct{ a *app.App }

func (o oneApp) App(_ context.Context, id uint32) (*app.App, error) {
	if id != o.a.ID {
		return nil, errcode.AppNotFound
	}
	return o.a, nil
}

type hooks struct {
	mu  sync.Mutex
	got []any
}

func (h *hooks) After(_ context.Context, _ uint32, event string, payload any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if event == EventOffline {
		h.got = append(h.got, payload)
	}
}

func (h *hooks) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.got)
}

type badge int64

func (b badge) UnreadTotal(context.Context, uint32, string) (int64, error) { return int64(b), nil }

type counts struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counts) Outcome(provider string, o Outcome) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[provider+"/"+string(o)]++
}

func (c *counts) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[k]
}

type fixture struct {
	svc     *Service
	store   *memStore
	hooks   *hooks
	obs     *counts
	fcm     *pushtest.FCM
	apns    *pushtest.APNs
	queue   *inproc.Broker
	batches atomic.Int32
}

// countingQueue counts the batches published to the offline-push queue.
type countingQueue struct {
	*inproc.Broker
	n *atomic.Int32
}

func (q countingQueue) Publish(ctx context.Context, exchange, key string, msg mq.Publishing) error {
	if exchange == mq.ExchangePush {
		q.n.Add(1)
	}
	return q.Broker.Publish(ctx, exchange, key, msg)
}

func start(t *testing.T, opts ...func(*Deps)) *fixture {
	f := &fixture{store: &memStore{}, hooks: &hooks{}, obs: &counts{}, fcm: pushtest.StartFCM(t), apns: pushtest.StartAPNs(t)}
	q, err := inproc.Open(slog.New(slog.DiscardHandler), inproc.WithDataFolder(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	if err := q.Declare(t.Context(), mq.OfflinePushTopology(mq.Classic)); err != nil {
		t.Fatal(err)
	}
	f.queue = q
	sa, err := ParseServiceAccount(f.fcm.ServiceAccount())
	if err != nil {
		t.Fatal(err)
	}
	senders := map[string]Sender{
		FCM: NewFCM(sa, f.fcm.URL, "", http.DefaultClient),
		APNs: NewAPNs(APNsConfig{Key: f.apns.Key, KeyID: pushtest.APNsKeyID, TeamID: pushtest.APNsTeamID, Topic: pushtest.APNsTopic,
			Endpoint: f.apns.URL}, f.apns.Server.Client()),
	}
	s := app.DefaultSettings()
	d := Deps{Store: f.store, Apps: oneApp{&app.App{ID: 7, Settings: s}}, Webhooks: f.hooks, Unread: badge(4),
		Queue: countingQueue{q, &f.batches}, Senders: senders, Observer: f.obs, Log: slog.New(slog.DiscardHandler),
		Retry: retry.Policy{Workers: 2, MaxAttempts: 3, BaseBackoff: 20 * time.Millisecond, MaxBackoff: 40 * time.Millisecond}}
	for _, o := range opts {
		o(&d)
	}
	f.svc = NewService(d)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.svc.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	for _, tk := range []Token{{UserID: "bob", ClientType: device.Android, IMEI: "a1", Provider: FCM, Token: "fcm-bob"},
		{UserID: "bob", ClientType: device.IOS, IMEI: "i1", Provider: APNs, Token: "apns-bob"}} {
		if _, err := f.svc.RegisterToken(t.Context(), 7, tk); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

var offline = mq.OfflinePush{ID: "88:bob", AppID: 7, ReceiverID: "bob", SenderID: "alice", ConversationID: "p2p:alice:bob",
	MessageID: "m1", MessageKey: 88, Sequence: 5, Preview: "hi bob"}

func TestOfflinePushReachesWebhookAndProviders(t *testing.T) {
	f := start(t)
	f.svc.Offline(t.Context(), []mq.OfflinePush{offline})
	testwait.Until(t, 10*time.Second, "both providers", func() bool { return f.obs.get("fcm/sent") == 1 && f.obs.get("apns/sent") == 1 })
	for _, n := range []pushtest.Notification{f.fcm.Received()[0], f.apns.Received()[0]} {
		if n.Title != "alice" || n.Body != "hi bob" || n.Badge != 4 || n.Data["conversationId"] != "p2p:alice:bob" || n.Data["pushId"] != "88:bob" {
			t.Errorf("notification %+v", n)
		}
	}
	if f.hooks.count() != 1 || len(f.fcm.Received()) != 1 || len(f.apns.Received()) != 1 {
		t.Errorf("webhook events %d, outcomes %v", f.hooks.count(), f.obs.n)
	}
}

// A failing provider is retried (the other is not sent again) until it
// answers; one that keeps failing ends in the dead-letter queue, counted.
func TestFailingProviderRetriedThenDeadLettered(t *testing.T) {
	f := start(t)
	var calls atomic.Int32
	f.fcm.Reply(func(w http.ResponseWriter) { // fails twice, then answers
		if calls.Add(1) <= 2 {
			pushtest.Status(503, `{"error":{"status":"UNAVAILABLE"}}`)(w)
			return
		}
		pushtest.Status(200, `{"name":"projects/whale-test/messages/2"}`)(w)
	})
	f.svc.Offline(t.Context(), []mq.OfflinePush{offline})
	testwait.Until(t, 10*time.Second, "the retry's success", func() bool { return f.obs.get("fcm/sent") == 1 })
	if len(f.apns.Received()) != 1 || len(f.fcm.Received()) != 3 || f.hooks.count() != 1 || f.obs.get("fcm/retried") != 2 {
		t.Errorf("apns %d, fcm %d, webhook %d: want 1, 3, 1; outcomes %v", len(f.apns.Received()), len(f.fcm.Received()), f.hooks.count(), f.obs.n)
	}

	f.apns.Reply(pushtest.Status(500, `{"reason":"InternalServerError"}`))
	ev := offline
	ev.ID = "89:bob"
	f.svc.Offline(t.Context(), []mq.OfflinePush{ev})
	testwait.Until(t, 10*time.Second, "the dead letter", func() bool { return f.obs.get("apns/dead_letter") == 1 })
	if n := len(f.apns.Received()); n != 1+3 || f.obs.get("apns/retried") != 2 {
		t.Errorf("apns attempts %d (want 1 + 3), outcomes %v", n, f.obs.n)
	}
}

func TestUnregisteredTokenDeleted(t *testing.T) {
	f := start(t)
	f.apns.Reply(pushtest.Status(410, `{"reason":"Unregistered"}`))
	f.svc.Offline(t.Context(), []mq.OfflinePush{offline})
	testwait.Until(t, 10*time.Second, "the rejection", func() bool { return f.obs.get("apns/rejected") == 1 })
	if tokens, _ := f.store.PushTokens(t.Context(), 7, "bob"); len(tokens) != 1 || tokens[0].Provider != FCM {
		t.Errorf("tokens %+v, want only the FCM one", tokens)
	}
}

func TestTestPushReportsAnswers(t *testing.T) {
	f := start(t)
	f.apns.Reply(pushtest.Status(400, `{"reason":"BadTopic"}`))
	got, err := f.svc.Test(t.Context(), 7, "bob", Notification{Title: "Test", Body: "x"})
	if err != nil || len(got) != 2 {
		t.Fatalf("test = %+v, %v", got, err)
	}
	byProvider := map[string]TestResult{got[0].Provider: got[0], got[1].Provider: got[1]}
	if r := byProvider[FCM]; r.Status != 200 || r.ID == "" || r.Error != "" {
		t.Errorf("fcm %+v", r)
	}
	if r := byProvider[APNs]; r.Status != 400 || r.Reason != "BadTopic" || r.Error == "" {
		t.Errorf("apns %+v", r)
	}
	if _, err := f.svc.Test(t.Context(), 7, "nobody", Notification{}); err == nil {
		t.Error("a user without tokens: no error")
	}
}

// A large group's offline members are queued in batches of MaxBatch.
func TestOfflineSplitsLargeBatches(t *testing.T) {
	f := start(t, func(d *Deps) {
		d.Senders = nil // only the push webhook: the split is under test
		d.Apps = oneApp{&app.App{ID: 7, Settings: app.Settings{CallbackURL: "http://127.0.0.1:1/", Callbacks: []string{EventOffline}}}}
	})
	var evs []mq.OfflinePush
	for i := range 2*MaxBatch + 1 {
		ev := offline
		ev.ReceiverID = "u" + strconv.Itoa(i)
		evs = append(evs, ev)
	}
	f.svc.Offline(t.Context(), evs)
	testwait.Until(t, 10*time.Second, "every event", func() bool { return f.hooks.count() == len(evs) })
	if n := f.batches.Load(); n != 3 {
		t.Errorf("%d batches, want 3", n)
	}
}
