//go:build integration

package domain_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/mq/mqtest"
	"github.com/whaleim/whaleim/im-common/rabbit"
	"github.com/whaleim/whaleim/im-common/rabbit/rabbittest"
	"github.com/whaleim/whaleim/im-common/signedrest"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-domain/domain"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/webhook"
)

// The webhook acceptance, end to end on RabbitMQ (a private vhost, so no
// other test's node consumes its queue), MariaDB and Redis: webhooks are
// switched on over REST with WhaleShark's event names; an endpoint that
// fails twice gets the event after the node was stopped mid-retry and a new
// one started, with one delivery id; a broken endpoint ends in
// im.dead.letters, counted in /metrics.
func TestWebhookDurableDelivery(t *testing.T) {
	vhost := privateVhost(t)
	appID := apitest.RandomAppID()
	cfg, err := domain.Load(func(k string) string {
		return map[string]string{
			"IM_MYSQL_DSN": apitest.DSN(t), "IM_REDIS_ADDR": apitest.RedisAddr(), "IM_APP_SECRET": "webhook-test-secret-0123",
			"IM_APP_ID": strconv.FormatUint(uint64(appID), 10), "IM_ZK_SERVERS": os.Getenv("IM_TEST_ZK_ADDR"),
			"IM_RABBIT_URL": vhost, "IM_APP_CACHE_TTL": "100ms", "IM_ZK_ROOT": zkRoot(t),
			"IM_WEBHOOK_ATTEMPTS": "3", "IM_WEBHOOK_BACKOFF": "1s", "IM_WEBHOOK_MAX_BACKOFF": "2s",
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { apitest.Redis(t).Del(context.Background(), strconv.FormatUint(uint64(appID), 10)+":app") })
	back := newBackEnd(t)
	n := startNode(t, cfg)
	api := adminAPI{t: t, base: n.url, appID: appID, secret: cfg.AppSecret}

	// WhaleShark's names are accepted and stored under ours.
	var settings struct {
		WebhookEvents []string `json:"webhookEvents"`
	}
	api.call("/v1/app/updateSettings", map[string]any{"webhookUrl": back.url("/flaky"),
		"webhookEvents": []string{"user.modify.after", "black.delete", "group.destory.after"}}, &settings)
	if want := []string{"black.delete.after", "group.destroy.after", "user.modify.after"}; !slices.Equal(settings.WebhookEvents, want) {
		t.Fatalf("stored events %v, want %v", settings.WebhookEvents, want)
	}
	if code := api.code("/v1/app/updateSettings", map[string]any{"webhookEvents": []string{"black.deleted"}}); code != 1002 {
		t.Fatalf("unknown event: code %d, want 1002", code)
	}
	api.call("/v1/user/importUser", map[string]any{"userData": []map[string]any{{"userId": "alice"}, {"userId": "bob"}}}, nil)

	// Fails twice; the node stops after the first failure and a new one
	// makes the other attempts.
	back.failFirst(2)
	api.call("/v1/user/data/modifyUserInfo", map[string]any{"userId": "alice", "nickName": "Queen"}, nil)
	testwait.Until(t, 20*time.Second, "the first attempt", func() bool { return len(back.requests("/flaky")) == 1 })
	n.stop(t)
	if k := back.succeeded("/flaky"); k != 0 {
		t.Fatalf("delivered before the restart: the node did not stop mid-retry")
	}
	n = startNode(t, cfg)
	api.base = n.url
	testwait.Until(t, 30*time.Second, "delivery after the restart", func() bool { return back.succeeded("/flaky") == 1 })
	got := back.requests("/flaky")
	if len(got) != 3 {
		t.Fatalf("%d attempts, want 3", len(got))
	}
	for _, r := range got {
		if err := webhook.Verify(cfg.AppSecret, r.header.Get(webhook.HeaderTimestamp), r.header.Get(webhook.HeaderSignature), r.body, time.Now()); err != nil {
			t.Errorf("signature: %v", err)
		}
		if r.header.Get(webhook.HeaderDeliveryID) != got[0].header.Get(webhook.HeaderDeliveryID) || r.command != webhook.UserModifyAfter ||
			!bytes.Contains(r.body, []byte(`"nickName":"Queen"`)) {
			t.Errorf("attempt %s %s %s differs from the first", r.header.Get(webhook.HeaderDeliveryID), r.command, r.body)
		}
	}

	// A WhaleShark back-end gets its own command name.
	api.call("/v1/friendship/addBlack", map[string]any{"fromId": "alice", "toId": "bob"}, nil)
	api.call("/v1/friendship/deleteBlack", map[string]any{"fromId": "alice", "toId": "bob"}, nil)
	testwait.Until(t, 20*time.Second, "black.delete", func() bool { return back.succeeded("/flaky") == 2 })
	if r := back.requests("/flaky")[3]; r.command != "black.delete" || r.header.Get(webhook.HeaderEvent) != webhook.BlackDeleteAfter {
		t.Errorf("command %q, event header %q", r.command, r.header.Get(webhook.HeaderEvent))
	}

	// A broken endpoint: three attempts, then the dead-letter queue.
	api.call("/v1/app/updateSettings", map[string]any{"webhookUrl": back.url("/broken")}, nil)
	api.call("/v1/user/data/modifyUserInfo", map[string]any{"userId": "bob", "nickName": "Knave"}, nil)
	metric := `im_domain_webhook_events_total{event="user.modify.after",outcome="dead_letter"} 1`
	testwait.Until(t, 30*time.Second, metric, func() bool { return strings.Contains(n.metrics(t), metric) })
	if k := len(back.requests("/broken")); k != 3 {
		t.Errorf("%d attempts on the broken endpoint, want 3", k)
	}
	dead := deadLetter(t, vhost)
	var ev mq.WebhookEvent
	if err := json.Unmarshal(dead, &ev); err != nil || ev.Event != webhook.UserModifyAfter || ev.Attempt != 3 ||
		!bytes.Contains(ev.Payload, []byte("Knave")) {
		t.Errorf("dead letter %s (%v)", dead, err)
	}
}

// privateVhost creates a vhost for the test and returns its AMQP URL.
func privateVhost(t *testing.T) string {
	base := os.Getenv("IM_TEST_RABBIT_URL")
	if base == "" {
		base = "amqp://guest:guest@127.0.0.1:5672/"
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" // the broker's root: the vhost name follows
	return rabbittest.Vhost(t, u.String(), "imtest_webhook_")
}

// deadLetter takes the one message of the vhost's dead-letter queue.
func deadLetter(t *testing.T, vhost string) []byte {
	conn, err := amqp.Dial(vhost)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	var d amqp.Delivery
	testwait.Until(t, 10*time.Second, "a dead letter", func() bool {
		var ok bool
		d, ok, err = ch.Get(mq.QueueDeadLetters, true)
		return err == nil && ok
	})
	return d.Body
}

// node is one running domain node.
type node struct {
	url    string
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

func startNode(t *testing.T, cfg domain.Config) *node {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	conn, err := rabbit.Dial(t.Context(), cfg.Rabbit.URL, mq.DownlinkExchange(), log)
	if err != nil {
		t.Fatal(err)
	}
	mqtest.Background(t, conn.Run)
	n := &node{url: "http://" + ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	go func() { n.done <- domain.Run(ctx, cfg, domain.Deps{Queue: conn.Ports(0), Listener: ln, Log: log}) }()
	t.Cleanup(func() { n.stop(t) })
	testwait.Until(t, 20*time.Second, "node ready", func() bool {
		resp, err := http.Get(n.url + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return n
}

// stop ends the node's Run (its queue consumers with it); idempotent.
func (n *node) stop(t *testing.T) {
	n.once.Do(func() {
		n.cancel()
		select {
		case err := <-n.done:
			if err != nil {
				t.Errorf("node run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("node did not stop")
		}
	})
}

func (n *node) metrics(t *testing.T) string {
	resp, err := http.Get(n.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// adminAPI calls the REST API as the app's admin.
type adminAPI struct {
	t      *testing.T
	base   string
	appID  uint32
	secret string
}

func (a adminAPI) do(path string, body any) (int, json.RawMessage) {
	a.t.Helper()
	c := signedrest.Client{BaseURL: a.base, AppID: a.appID, Secret: []byte(a.secret)}
	r, err := c.Post(context.Background(), "admin", path, body)
	if err != nil {
		a.t.Fatal(err)
	}
	return r.Code, r.Data
}

// call wants code 200 and decodes data into out (nil: ignored).
func (a adminAPI) call(path string, body, out any) {
	a.t.Helper()
	code, data := a.do(path, body)
	if code != 200 {
		a.t.Fatalf("%s: code %d: %s", path, code, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			a.t.Fatalf("%s: %v", path, err)
		}
	}
}

func (a adminAPI) code(path string, body any) int {
	a.t.Helper()
	code, _ := a.do(path, body)
	return code
}

// backEnd is an app back-end: /flaky fails its first failFirst requests
// with 503, /broken always answers 500.
type backEnd struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  map[string][]request
	ok   map[string]int
	fail int
}

type request struct {
	command string
	header  http.Header
	body    []byte
}

func newBackEnd(t *testing.T) *backEnd {
	b := &backEnd{got: map[string][]request{}, ok: map[string]int{}}
	b.srv = httptest.NewServer(http.HandlerFunc(b.serve))
	t.Cleanup(b.srv.Close)
	return b
}

func (b *backEnd) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.got[r.URL.Path] = append(b.got[r.URL.Path], request{r.URL.Query().Get("command"), r.Header.Clone(), body})
	switch {
	case r.URL.Path == "/broken":
		w.WriteHeader(http.StatusInternalServerError)
	case b.fail > 0:
		b.fail--
		w.WriteHeader(http.StatusServiceUnavailable)
	default:
		b.ok[r.URL.Path]++
		fmt.Fprint(w, `{"code":200}`)
	}
}

func (b *backEnd) url(path string) string { return b.srv.URL + path }

func (b *backEnd) failFirst(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fail = n
}

func (b *backEnd) requests(path string) []request {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.got[path])
}

func (b *backEnd) succeeded(path string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ok[path]
}
