package mqtest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/testwait"
)

const fast = 10 * time.Millisecond // retry pause of the suite's consumers

// testOrder: one queue delivers in publish order, exactly what was
// confirmed, including what was published before anyone consumed.
func testOrder(t *testing.T, open Open) {
	q, f, name := setup(t, open, true)
	const n = 300
	for i := range n / 2 {
		Publish(t, q, f.Exchange, name, fmt.Sprint(i))
	}
	r, _ := Collect(t, q, name, mq.BatchOptions{MaxBatch: 17, MaxWait: time.Millisecond})
	for i := n / 2; i < n; i++ {
		Publish(t, q, f.Exchange, name, fmt.Sprint(i))
	}
	CheckOrder(t, r.Wait(t, n), n)
}

// testConfirm: nil means consumable; no binding means ErrUnroutable and
// nothing stored; a cancelled context publishes nothing.
func testConfirm(t *testing.T, open Open) {
	q, f, name := setup(t, open, false)
	err := q.Publish(t.Context(), f.Exchange, "nobody-bound", mq.Publishing{Body: []byte("x"), Persistent: true})
	if !errors.Is(err, mq.ErrUnroutable) {
		t.Fatalf("unbound key: err = %v, want mq.ErrUnroutable", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := q.Publish(ctx, f.Exchange, name, mq.Publishing{MessageID: "cancelled"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ctx: err = %v, want context.Canceled", err)
	}
	Publish(t, q, f.Exchange, name, "0")
	r, _ := Collect(t, q, name, mq.BatchOptions{})
	ds := r.Wait(t, 1)
	testwait.Never(t, 200*time.Millisecond, func() error {
		if got := r.All(); len(got) != 1 || string(got[0].Body) != "0" || got[0].MessageID != "0" {
			return fmt.Errorf("deliveries %+v, want the one confirmed message", got)
		}
		return nil
	})
	if ds[0].Redelivered || ds[0].Attempt != 1 || ds[0].ContentType != "text/plain" {
		t.Fatalf("first delivery = %+v", ds[0])
	}
}

// testRedeliveryAfterStop: what a stopped consumer held is delivered again,
// marked redelivered, in order, to the next consumer.
func testRedeliveryAfterStop(t *testing.T, open Open) {
	q, f, name := setup(t, open, true)
	for i := range 5 {
		Publish(t, q, f.Exchange, name, fmt.Sprint(i))
	}
	held := make(chan int, 1)
	stop := Background(t, func(ctx context.Context) error {
		return q.ConsumeBatch(ctx, name, mq.BatchOptions{MaxBatch: 5, MaxWait: 50 * time.Millisecond},
			func(ctx context.Context, ds []mq.Delivery) error {
				held <- len(ds)
				<-ctx.Done() // never acks
				return ctx.Err()
			})
	})
	<-held
	stop()
	r, _ := Collect(t, q, name, mq.BatchOptions{})
	ds := r.Wait(t, 5)
	CheckOrder(t, ds, 5)
	if !ds[0].Redelivered {
		t.Fatalf("first delivery after the stop is not marked redelivered: %+v", ds[0])
	}
}

// testRetryCountsAttempts: a transient failure requeues with the attempt
// counted; the next attempt succeeds and acks.
func testRetryCountsAttempts(t *testing.T, open Open) {
	q, f, name := setup(t, open, true)
	Publish(t, q, f.Exchange, name, "0")
	r := &Recorder{}
	var calls atomic.Int32
	Background(t, func(ctx context.Context) error {
		return q.Consume(ctx, name, mq.ConsumeOptions{RetryDelay: fast}, func(_ context.Context, d mq.Delivery) error {
			r.Add(d)
			if calls.Add(1) == 1 {
				return errors.New("dependency down")
			}
			return nil
		})
	})
	ds := r.Wait(t, 2)
	if ds[0].Attempt != 1 || ds[1].Attempt != 2 || !ds[1].Redelivered || ds[1].MessageID != "0" {
		t.Fatalf("deliveries = %+v, want attempt 1 then a redelivered attempt 2", ds)
	}
	testwait.Never(t, 200*time.Millisecond, func() error {
		if n := calls.Load(); n != 2 {
			return fmt.Errorf("%d attempts after an ack, want 2", n)
		}
		return nil
	})
}

// testPermanentDeadLetters: mq.ErrPermanent dead-letters at once, once.
func testPermanentDeadLetters(t *testing.T, open Open) {
	q, f, name := setup(t, open, false)
	var calls atomic.Int32
	Background(t, func(ctx context.Context) error {
		return q.Consume(ctx, name, mq.ConsumeOptions{RetryDelay: fast}, func(context.Context, mq.Delivery) error {
			calls.Add(1)
			return fmt.Errorf("decode: %w", mq.Permanent(errors.New("not JSON")))
		})
	})
	Publish(t, q, f.Exchange, name, "bad")
	dead, _ := Collect(t, q, f.DeadQueue, mq.BatchOptions{})
	if got := dead.Wait(t, 1); string(got[0].Body) != "bad" {
		t.Fatalf("dead letter = %q, want the rejected body", got[0].Body)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("handler called %d times, want 1 (no retry of a permanent failure)", n)
	}
}

// testDeliveryLimit: a message that keeps failing is dead-lettered after
// exactly the limit of attempts, in single and batch consumers.
func testDeliveryLimit(t *testing.T, open Open) {
	const limit = 3
	for _, batch := range []bool{false, true} {
		t.Run(fmt.Sprintf("batch=%v", batch), func(t *testing.T) {
			q, f, name := setup(t, open, true)
			var calls atomic.Int32
			fail := func(context.Context) error { calls.Add(1); return errors.New("poison") }
			Background(t, func(ctx context.Context) error {
				if batch {
					return q.ConsumeBatch(ctx, name, mq.BatchOptions{DeliveryLimit: limit, RetryDelay: fast},
						func(ctx context.Context, _ []mq.Delivery) error { return fail(ctx) })
				}
				return q.Consume(ctx, name, mq.ConsumeOptions{DeliveryLimit: limit, RetryDelay: fast},
					func(ctx context.Context, _ mq.Delivery) error { return fail(ctx) })
			})
			Publish(t, q, f.Exchange, name, "poison")
			dead, _ := Collect(t, q, f.DeadQueue, mq.BatchOptions{})
			dead.Wait(t, 1)
			if n := calls.Load(); n != limit {
				t.Fatalf("%d attempts before dead-lettering, want %d", n, limit)
			}
		})
	}
}

// testSingleActive: with two consumers on a single-active queue only one
// receives; when it stops the other takes over, in order.
func testSingleActive(t *testing.T, open Open) {
	q, f, name := setup(t, open, true)
	a, stopA := Collect(t, q, name, mq.BatchOptions{MaxWait: time.Millisecond})
	Publish(t, q, f.Exchange, name, "0")
	a.Wait(t, 1)
	b, _ := Collect(t, q, name, mq.BatchOptions{MaxWait: time.Millisecond})
	for i := 1; i < 20; i++ {
		Publish(t, q, f.Exchange, name, fmt.Sprint(i))
	}
	a.Wait(t, 20)
	if n := len(b.All()); n != 0 {
		t.Fatalf("standby consumer got %d deliveries while the active one ran", n)
	}
	stopA()
	for i := 20; i < 40; i++ {
		Publish(t, q, f.Exchange, name, fmt.Sprint(i))
	}
	got := b.Wait(t, 20)
	CheckOrder(t, append(a.All(), got...), 40)
}

// testBatch: a backlog comes in batches no larger than MaxBatch, in order.
func testBatch(t *testing.T, open Open) {
	q, f, name := setup(t, open, true)
	const n = 60
	for i := range n {
		Publish(t, q, f.Exchange, name, fmt.Sprint(i))
	}
	var sizes []int
	r := &Recorder{}
	Background(t, func(ctx context.Context) error {
		return q.ConsumeBatch(ctx, name, mq.BatchOptions{MaxBatch: 20, MaxWait: 200 * time.Millisecond},
			func(_ context.Context, ds []mq.Delivery) error {
				r.mu.Lock()
				sizes = append(sizes, len(ds))
				r.mu.Unlock()
				r.Add(ds...)
				return nil
			})
	})
	CheckOrder(t, r.Wait(t, n), n)
	r.mu.Lock()
	defer r.mu.Unlock()
	most := 0
	for _, s := range sizes {
		if s > 20 {
			t.Fatalf("batch sizes %v exceed MaxBatch 20", sizes)
		}
		most = max(most, s)
	}
	if most < 2 {
		t.Fatalf("batch sizes %v: a backlog never came batched", sizes)
	}
}

// testRequestReply: a served queue answers; a missing queue is
// unroutable at once; an unserved queue times out with ErrNoReply.
func testRequestReply(t *testing.T, open Open) {
	f := NewFixture()
	q := open(t, f.Dead)
	served, idle := f.Prefix+".rpc", f.Prefix+".idle"
	topo := mq.Topology{Queues: []mq.Queue{
		{Name: served, Type: mq.Classic, Expires: time.Minute}, {Name: idle, Type: mq.Classic, Expires: time.Minute},
	}}
	if err := q.Declare(t.Context(), topo); err != nil {
		t.Fatal(err)
	}
	Background(t, func(ctx context.Context) error {
		return q.Serve(ctx, served, func(_ context.Context, body []byte) ([]byte, error) {
			return append([]byte("re:"), body...), nil
		})
	})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	out, err := q.Call(ctx, served, []byte("hi"))
	if err != nil || string(out) != "re:hi" {
		t.Fatalf("call = %q, %v; want re:hi", out, err)
	}
	if _, err := q.Call(ctx, f.Prefix+".missing", []byte("x")); !errors.Is(err, mq.ErrUnroutable) {
		t.Fatalf("missing queue: err = %v, want mq.ErrUnroutable", err)
	}
	short, cancelShort := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancelShort()
	if _, err := q.Call(short, idle, []byte("x")); !errors.Is(err, mq.ErrNoReply) {
		t.Fatalf("unserved queue: err = %v, want mq.ErrNoReply", err)
	}
}
