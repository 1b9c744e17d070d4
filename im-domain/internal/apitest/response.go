package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/inproc"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/domain"
)

type envelope struct {
	Code int             `json:"code"`
	Msg  string          `json:"msg"`
	Data json.RawMessage `json:"data"`
}

// Response is a decoded {code, msg, data} answer.
type Response struct {
	Status int
	Code   int
	Msg    string
	Data   json.RawMessage
	Raw    []byte
}

// WantCode fails t unless the envelope code is code.
func (r Response) WantCode(t testing.TB, code int) Response {
	t.Helper()
	if r.Code != code {
		t.Fatalf("code = %d (%s, HTTP %d), want %d; body %s", r.Code, r.Msg, r.Status, code, r.Raw)
	}
	return r
}

// Decode unmarshals data into v.
func (r Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode data %s: %v", r.Data, err)
	}
}

// Published is one recorded publish.
type Published struct {
	Exchange, Key string
	Push          mq.Push
}

// Pushes records what the node publishes: it is the node's domain.Queue,
// standing in for RabbitMQ (no uplinks or login checks ever arrive). The
// webhook and offline-push flows go through a real in-process queue
// (inproc, in memory), so they are delivered as in production.
type Pushes struct {
	mu     sync.Mutex
	all    []Published
	queues *inproc.Broker
}

// newPushes returns a Pushes whose queue closes at t's cleanup.
func newPushes(t testing.TB) *Pushes {
	b, err := inproc.Open(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("apitest: queue: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return &Pushes{queues: b}
}

// Consume implements domain.Queue from the in-process queue.
func (p *Pushes) Consume(ctx context.Context, queue string, opts mq.ConsumeOptions, h mq.Handler) error {
	return p.queues.Consume(ctx, queue, opts, h)
}

var _ domain.Queue = (*Pushes)(nil)

// ConsumeBatch implements domain.Queue: no uplink ever arrives.
func (p *Pushes) ConsumeBatch(ctx context.Context, _ string, _ mq.BatchOptions, _ mq.BatchHandler) error {
	<-ctx.Done()
	return nil
}

// Serve implements domain.Queue: no login check ever arrives.
func (p *Pushes) Serve(ctx context.Context, _ string, _ mq.Responder) error {
	<-ctx.Done()
	return nil
}

// Declare implements domain.Queue on the in-process queue.
func (p *Pushes) Declare(ctx context.Context, t mq.Topology) error { return p.queues.Declare(ctx, t) }

// Ready implements domain.Queue.
func (p *Pushes) Ready() bool { return true }

// Publish implements domain.Queue: one Published per push of a push batch,
// and per record of a store batch (with an empty Push).
func (p *Pushes) Publish(ctx context.Context, exchange, key string, msg mq.Publishing) error {
	if exchange != mq.ExchangeStore && exchange != mq.ExchangeDownlink { // webhooks, offline push
		return p.queues.Publish(ctx, exchange, key, msg)
	}
	body := msg.Body
	var got []Published
	if exchange == mq.ExchangeStore {
		recs, err := mq.DecodeStoreRecords(body)
		if err != nil {
			return err
		}
		for range recs {
			got = append(got, Published{Exchange: exchange, Key: key})
		}
	} else {
		pushes, err := mq.DecodePushes(body)
		if err != nil {
			return err
		}
		for _, push := range pushes {
			got = append(got, Published{Exchange: exchange, Key: key, Push: push})
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.all = append(p.all, got...)
	return nil
}

// All returns a copy of every publish so far.
func (p *Pushes) All() []Published {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.all)
}

// Wait polls until a publish matches, failing t after 5 s.
func (p *Pushes) Wait(t testing.TB, match func(Published) bool) Published {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, x := range p.All() {
			if match(x) {
				return x
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no matching publish; got %+v", p.All())
	return Published{}
}

// Gateways is a settable gateway list (it stands in for ZooKeeper).
type Gateways struct {
	mu   sync.Mutex
	list []domain.Gateway
}

// Set replaces the list.
func (g *Gateways) Set(gws ...domain.Gateway) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.list = slices.Clone(gws)
}

// Gateways implements domain.Gateways.
func (g *Gateways) Gateways(context.Context) ([]domain.Gateway, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.list), nil
}

// syncWriter is the node's log sink, safe to read while the node writes.
type syncWriter struct {
	mu sync.Mutex
	w  bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

var _ io.Writer = (*syncWriter)(nil)
