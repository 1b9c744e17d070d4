//go:build integration

package rabbit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/mq/mqtest"
	"github.com/whaleim/whaleim/im-common/testwait"
)

var queueTypes = []mq.QueueType{mq.Classic, mq.Quorum}

func TestSingleActiveConsumerFailover(t *testing.T) {
	for _, qt := range queueTypes {
		t.Run(string(qt), func(t *testing.T) {
			p := uniquePrefix(t)
			q := p + ".q"
			topo := flow(p, mq.Queue{Name: q, Type: qt, Durable: true, SingleActive: true})
			deleteAtCleanup(t, testURL(), topo)
			c := startConn(t, testURL(), topo)
			var subscriptions atomic.Int32
			c.subscribed = func(string) { subscriptions.Add(1) }
			pub := c.Publisher(1)
			// Quorum queues count only the active consumer, so registration
			// is observed through the hook.
			consumers := func() int { return int(subscriptions.Load()) }

			var a, b mqtest.Recorder
			consume := func(r *mqtest.Recorder) func() {
				return background(t, func(ctx context.Context) error {
					return c.Consume(ctx, q, mq.ConsumeOptions{}, func(_ context.Context, d mq.Delivery) error { r.Add(d); return nil })
				})
			}
			stopA := consume(&a)
			testwait.Until(t, 5*time.Second, "consumer A registered", func() bool { return consumers() == 1 })
			consume(&b)
			testwait.Until(t, 5*time.Second, "consumer B registered", func() bool { return consumers() == 2 })

			for i := range 20 {
				publishOK(t, pub, p+".x", q, mq.Publishing{MessageID: fmt.Sprint(i)})
			}
			testwait.Until(t, 5*time.Second, "first 20 consumed", func() bool { return a.Len()+b.Len() == 20 })
			if a.Len() != 20 || b.Len() != 0 {
				t.Fatalf("active consumer got %d, standby got %d; want 20 and 0", a.Len(), b.Len())
			}

			stopA()
			for i := 20; i < 40; i++ {
				publishOK(t, pub, p+".x", q, mq.Publishing{MessageID: fmt.Sprint(i)})
			}
			testwait.Until(t, 10*time.Second, "standby took over", func() bool { return b.Len() == 20 })
			if a.Len() != 20 {
				t.Fatalf("stopped consumer received %d, want 20", a.Len())
			}
			for i, d := range b.All() {
				if d.MessageID != fmt.Sprint(20+i) {
					t.Fatalf("standby got %s at position %d: order lost", d.MessageID, i)
				}
			}
		})
	}
}

func TestPermanentErrorDeadLetters(t *testing.T) {
	p := uniquePrefix(t)
	q := p + ".q"
	topo := withDeadLetters(p, flow(p, mq.Queue{Name: q, Type: mq.Classic, Durable: true, DeadLetter: true}))
	deleteAtCleanup(t, testURL(), topo)
	c := startConn(t, testURL(), topo, WithDeadLetterExchange(p+".dead"))
	var calls atomic.Int32
	background(t, func(ctx context.Context) error {
		return c.Consume(ctx, q, mq.ConsumeOptions{}, func(context.Context, mq.Delivery) error {
			calls.Add(1)
			return fmt.Errorf("decode: %w", mq.Permanent(errors.New("not JSON")))
		})
	})
	publishOK(t, c.Publisher(1), p+".x", q, mq.Publishing{MessageID: "bad", Body: []byte("{")})

	d := waitDeadLetter(t, p+".dead.q")
	if d.MessageId != "bad" || calls.Load() != 1 {
		t.Fatalf("dead letter %q after %d handler calls; want \"bad\" after 1", d.MessageId, calls.Load())
	}
	if reason := deathReason(d); reason != "rejected" {
		t.Fatalf("x-death reason %q, want rejected", reason)
	}
}

func TestPoisonMessageDeadLetteredAfterLimit(t *testing.T) {
	const limit = 3
	for _, qt := range queueTypes {
		t.Run(string(qt), func(t *testing.T) {
			p := uniquePrefix(t)
			q := p + ".q"
			topo := withDeadLetters(p, flow(p, mq.Queue{Name: q, Type: qt, Durable: true, DeadLetter: true, DeliveryLimit: limit}))
			deleteAtCleanup(t, testURL(), topo)
			c := startConn(t, testURL(), topo, WithDeadLetterExchange(p+".dead"))
			var rec mqtest.Recorder
			background(t, func(ctx context.Context) error {
				opts := mq.ConsumeOptions{DeliveryLimit: limit, RetryDelay: 10 * time.Millisecond}
				return c.Consume(ctx, q, opts, func(_ context.Context, d mq.Delivery) error {
					rec.Add(d)
					return errors.New("database unavailable")
				})
			})
			publishOK(t, c.Publisher(1), p+".x", q, mq.Publishing{MessageID: "poison", Persistent: true})

			d := waitDeadLetter(t, p+".dead.q")
			var tries []int
			for _, d := range rec.All() {
				tries = append(tries, d.Attempt)
			}
			if d.MessageId != "poison" || !slices.Equal(tries, []int{1, 2, 3}) {
				t.Fatalf("dead letter %q after attempts %v; want poison after [1 2 3]", d.MessageId, tries)
			}
		})
	}
}

func TestBatchConsumerAcksOnlyAfterHandler(t *testing.T) {
	p := uniquePrefix(t)
	q := p + ".q"
	topo := flow(p, mq.Queue{Name: q, Type: mq.Quorum, Durable: true})
	deleteAtCleanup(t, testURL(), topo)
	c := startConn(t, testURL(), topo)
	pub := c.Publisher(2)
	ac := admin(t, testURL())
	const n = 45
	for i := range n {
		publishOK(t, pub, p+".x", q, mq.Publishing{MessageID: fmt.Sprint(i), Persistent: true})
	}
	opts := mq.BatchOptions{MaxBatch: 20, MaxWait: 50 * time.Millisecond, RetryDelay: 10 * time.Millisecond}

	// 1. A handler that never returns nil acks nothing: stopping it puts the
	// whole batch back.
	inHandler := make(chan int, 1)
	stop := background(t, func(ctx context.Context) error {
		return c.ConsumeBatch(ctx, q, opts, func(ctx context.Context, b []mq.Delivery) error {
			inHandler <- len(b)
			<-ctx.Done()
			return ctx.Err()
		})
	})
	if size := <-inHandler; size != opts.MaxBatch {
		t.Fatalf("first batch has %d deliveries, want %d", size, opts.MaxBatch)
	}
	stop()
	testwait.Until(t, 5*time.Second, "unacked batch requeued", func() bool { m, _ := queueState(t, ac, q); return m == n })

	// 2. A failing batch is retried; then every delivery is acked once.
	var rec mqtest.Recorder
	var sizes []int
	var failed atomic.Bool
	sentinel := make(chan struct{})
	stop = background(t, func(ctx context.Context) error {
		return c.ConsumeBatch(ctx, q, opts, func(ctx context.Context, b []mq.Delivery) error {
			if b[0].MessageID == "sentinel" {
				close(sentinel)
				<-ctx.Done()
				return ctx.Err()
			}
			if failed.CompareAndSwap(false, true) {
				return errors.New("mysql unavailable")
			}
			sizes = append(sizes, len(b))
			rec.Add(b...)
			return nil
		})
	})
	testwait.Until(t, 10*time.Second, "all deliveries handled", func() bool { return rec.Len() >= n })
	ids := map[string]bool{}
	for _, d := range rec.All() {
		ids[d.MessageID] = true
	}
	if len(ids) != n || rec.Len() != n {
		t.Fatalf("handled %d deliveries of %d distinct ids, want %d of %d (batch sizes %v)", rec.Len(), len(ids), n, n, sizes)
	}
	for _, s := range sizes {
		if s > opts.MaxBatch {
			t.Fatalf("batch of %d exceeds MaxBatch %d", s, opts.MaxBatch)
		}
	}
	// Every batch is acked before the next is collected, so while the
	// sentinel is held only it is unacked.
	publishOK(t, pub, p+".x", q, mq.Publishing{MessageID: "sentinel", Persistent: true})
	<-sentinel
	stop()
	testwait.Until(t, 5*time.Second, "sentinel requeued", func() bool { m, _ := queueState(t, ac, q); return m > 0 })
	if m, _ := queueState(t, ac, q); m != 1 {
		t.Fatalf("%d messages left, want only the unacked sentinel (batch sizes %v)", m, sizes)
	}
}

func TestTopologyRedeclaredAfterReconnect(t *testing.T) {
	p := uniquePrefix(t)
	// Exclusive queues die with their connection, so a publish to them can
	// only succeed after the reconnect if the topology was declared again.
	q1, q2 := p+".q1", p+".q2"
	topo := flow(p, mq.Queue{Name: q1, Type: mq.Classic, Exclusive: true})
	later := mq.Topology{
		Queues:   []mq.Queue{{Name: q2, Type: mq.Classic, Exclusive: true}},
		Bindings: []mq.Binding{{Queue: q2, Exchange: p + ".x", Key: q2}},
	}
	deleteAtCleanup(t, testURL(), topo.Merge(later))
	c := startConn(t, testURL(), topo)
	if err := c.Declare(t.Context(), later); err != nil {
		t.Fatalf("declare: %v", err)
	}
	pub := c.Publisher(2)
	publishOK(t, pub, p+".x", q2, mq.Publishing{Body: []byte("before")})
	var rec mqtest.Recorder
	background(t, func(ctx context.Context) error {
		return c.Consume(ctx, q1, mq.ConsumeOptions{}, func(_ context.Context, d mq.Delivery) error { rec.Add(d); return nil })
	})

	c.mu.Lock()
	old := c.ac
	c.mu.Unlock()
	old.Close() // test hook: drop the connection under the publisher and consumer
	testwait.Until(t, 10*time.Second,

		"reconnected", func() bool {
			c.mu.Lock()
			current := c.ac
			c.mu.Unlock()
			return current != nil && current != old && c.Ready()
		})

	for _, q := range []string{q1, q2} {
		publishEventually(t, pub, p+".x", q, mq.Publishing{MessageID: "after-" + q})
	}
	testwait.Until(t, 10*time.Second, "consumer resubscribed", func() bool { return rec.Len() >= 1 })
	if got := rec.All()[0].MessageID; got != "after-"+q1 {
		t.Fatalf("consumer got %q, want after-%s", got, q1)
	}
}

// publishEventually retries a publish that may hit the closed channel of the
// previous connection once.
func publishEventually(t *testing.T, pub *Publisher, exchange, key string, msg mq.Publishing) {
	t.Helper()
	var last error
	testwait.Until(t, 10*time.Second,

		"publish to "+key+" succeeds", func() bool {
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
			defer cancel()
			last = pub.Publish(ctx, exchange, key, msg)
			return last == nil
		})

	_ = last
}

// waitDeadLetter polls queue until it holds a message and returns it.
func waitDeadLetter(t *testing.T, queue string) amqp.Delivery {
	t.Helper()
	ch, err := admin(t, testURL()).Channel()
	if err != nil {
		t.Fatal(err)
	}
	var d amqp.Delivery
	testwait.Until(t, 10*time.Second,

		"a dead letter in "+queue, func() bool {
			var ok bool
			d, ok, err = ch.Get(queue, true)
			if err != nil {
				t.Fatalf("get %s: %v", queue, err)
			}
			return ok
		})

	return d
}

func deathReason(d amqp.Delivery) string {
	deaths, _ := d.Headers["x-death"].([]any)
	if len(deaths) == 0 {
		return ""
	}
	first, _ := deaths[0].(amqp.Table)
	reason, _ := first["reason"].(string)
	return reason
}
