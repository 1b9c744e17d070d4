// Package mqtest is the contract suite of the queue ports in package mq:
// one set of tests every adapter must pass (RabbitMQ with the integration
// tag against a real broker, the in-process queue always). Run runs the
// behaviour every adapter shares; RunDurable adds what an adapter with a
// data folder promises across a restart and a kill -9.
package mqtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/testwait"
)

// Queue is every port the suite drives.
type Queue interface {
	mq.Publisher
	mq.Consumer
	mq.BatchConsumer
	mq.Caller
	mq.Server
	mq.Declarer
}

// Open returns the adapter under test, sending rejected messages to the
// fanout exchange deadExchange; it registers its own cleanup.
type Open func(t *testing.T, deadExchange string) Queue

// Run runs the contract every adapter shares.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		run  func(*testing.T, Open)
	}{
		{"OrderPerQueue", testOrder},
		{"ConfirmAndUnroutable", testConfirm},
		{"RedeliveryAfterStop", testRedeliveryAfterStop},
		{"RetryCountsAttempts", testRetryCountsAttempts},
		{"PermanentDeadLetters", testPermanentDeadLetters},
		{"DeliveryLimitDeadLetters", testDeliveryLimit},
		{"SingleActiveConsumer", testSingleActive},
		{"BatchConsume", testBatch},
		{"RequestReply", testRequestReply},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, open) })
	}
}

// Fixture names one test's objects, apart from every other test's and
// from the platform's im.* objects.
type Fixture struct {
	Prefix, Exchange, Dead, DeadQueue string
}

// NewFixture returns fresh names.
func NewFixture() Fixture {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	p := "mqtest-" + hex.EncodeToString(b)
	return Fixture{Prefix: p, Exchange: p + ".x", Dead: p + ".dead", DeadQueue: p + ".dead.q"}
}

// Queue is a durable classic test queue that dead-letters; it expires
// when unused, so a broker keeps no leftovers.
func (f Fixture) Queue(name string, singleActive bool) mq.Queue {
	return mq.Queue{Name: f.Prefix + "." + name, Type: mq.Classic, Durable: true, SingleActive: singleActive,
		DeadLetter: true, Expires: 2 * time.Minute}
}

// Topology declares the exchange, the dead-letter exchange and queue, and
// qs bound to the exchange with their names as keys.
func (f Fixture) Topology(qs ...mq.Queue) mq.Topology {
	t := mq.Topology{
		Exchanges: []mq.Exchange{{Name: f.Exchange, Kind: "direct"}, {Name: f.Dead, Kind: "fanout"}},
		Queues:    []mq.Queue{{Name: f.DeadQueue, Type: mq.Classic, Durable: true, Expires: 2 * time.Minute}},
		Bindings:  []mq.Binding{{Queue: f.DeadQueue, Exchange: f.Dead}},
	}
	for _, q := range qs {
		t.Queues = append(t.Queues, q)
		t.Bindings = append(t.Bindings, mq.Binding{Queue: q.Name, Exchange: f.Exchange, Key: q.Name})
	}
	return t
}

// setup opens the adapter and declares one queue.
func setup(t *testing.T, open Open, single bool) (Queue, Fixture, string) {
	t.Helper()
	f := NewFixture()
	q := open(t, f.Dead)
	tq := f.Queue("q", single)
	if err := q.Declare(t.Context(), f.Topology(tq)); err != nil {
		t.Fatalf("declare: %v", err)
	}
	return q, f, tq.Name
}

// Publish publishes body as a persistent message with id and fails the
// test on an error.
func Publish(t *testing.T, p mq.Publisher, exchange, key, id string) {
	t.Helper()
	msg := mq.Publishing{Body: []byte(id), MessageID: id, Persistent: true, ContentType: "text/plain"}
	if err := p.Publish(t.Context(), exchange, key, msg); err != nil {
		t.Fatalf("publish %s: %v", id, err)
	}
}

// Recorder collects deliveries.
type Recorder struct {
	mu  sync.Mutex
	got []mq.Delivery
}

// Add records ds.
func (r *Recorder) Add(ds ...mq.Delivery) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, ds...)
}

// All returns what was recorded so far.
func (r *Recorder) All() []mq.Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]mq.Delivery(nil), r.got...)
}

// Len is how many deliveries were recorded.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// Wait waits until n deliveries are recorded and returns them.
func (r *Recorder) Wait(t *testing.T, n int) []mq.Delivery {
	t.Helper()
	testwait.Until(t, 20*time.Second, fmt.Sprintf("%d deliveries", n), func() bool { return r.Len() >= n })
	return r.All()
}

// Background runs f until the returned stop is called or the test ends,
// and waits for it to return either way; f's error fails the test.
func Background(t testing.TB, f func(ctx context.Context) error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := f(ctx); err != nil {
			t.Errorf("background: %v", err)
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// Collect consumes queue in batches into a Recorder until stop.
func Collect(t *testing.T, q mq.BatchConsumer, queue string, opts mq.BatchOptions) (*Recorder, func()) {
	r := &Recorder{}
	stop := Background(t, func(ctx context.Context) error {
		return q.ConsumeBatch(ctx, queue, opts, func(_ context.Context, ds []mq.Delivery) error {
			r.Add(ds...)
			return nil
		})
	})
	return r, stop
}

// CheckOrder fails the test unless ds carry the ids prefix-0..n-1 in order
// (duplicates from redelivery are allowed only right after the original).
func CheckOrder(t *testing.T, ds []mq.Delivery, n int) {
	t.Helper()
	next := 0
	for _, d := range ds {
		switch d.MessageID {
		case fmt.Sprint(next):
			next++
		case fmt.Sprint(next - 1):
		default:
			t.Fatalf("got %q after %d in-order messages, want %d", d.MessageID, next, next)
		}
	}
	if next != n {
		t.Fatalf("got %d messages in order, want %d", next, n)
	}
}
