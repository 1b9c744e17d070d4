//go:build integration

package rabbit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/mq/mqtest"
	"github.com/whaleim/whaleim/im-common/testwait"
)

func TestConfirmedPublishThenConsume(t *testing.T) {
	p := uniquePrefix(t)
	q := p + ".q"
	topo := flow(p, mq.Queue{Name: q, Type: mq.Classic, Durable: true})
	deleteAtCleanup(t, testURL(), topo)
	c := startConn(t, testURL(), topo)
	pub := c.Publisher(2)

	const n = 500
	start := time.Now()
	var wg sync.WaitGroup
	for w := range 20 {
		wg.Go(func() {
			for i := w; i < n; i += 20 {
				msg := mq.Publishing{Body: fmt.Appendf(nil, "body-%d", i), MessageID: fmt.Sprint(i), Persistent: true,
					ContentType: "text/plain", Headers: map[string]any{"n": int64(i)}}
				if err := pub.Publish(t.Context(), p+".x", q, msg); err != nil {
					t.Errorf("publish %d: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("%d confirmed persistent publishes from 20 goroutines in %v", n, time.Since(start))

	var rec mqtest.Recorder
	sentinel := make(chan struct{})
	stop := background(t, func(ctx context.Context) error {
		return c.Consume(ctx, q, mq.ConsumeOptions{Prefetch: 50}, func(ctx context.Context, d mq.Delivery) error {
			if d.MessageID == "sentinel" {
				close(sentinel)
				<-ctx.Done() // hold it unacked until the consumer stops
				return ctx.Err()
			}
			rec.Add(d)
			return nil
		})
	})
	testwait.Until(t, 10*time.Second, "all messages consumed", func() bool { return rec.Len() == n })
	seen := map[string]bool{}
	for _, d := range rec.All() {
		if seen[d.MessageID] {
			t.Errorf("message %s delivered twice", d.MessageID)
		}
		seen[d.MessageID] = true
		if want := fmt.Sprintf("body-%s", d.MessageID); string(d.Body) != want || d.ContentType != "text/plain" {
			t.Errorf("delivery %s: body %q type %q", d.MessageID, d.Body, d.ContentType)
		}
		if d.Headers["n"] != mustInt(d.MessageID) || d.Attempt != 1 {
			t.Errorf("delivery %s: headers %v attempt %d", d.MessageID, d.Headers, d.Attempt)
		}
		if _, ok := d.Headers[tagHeader]; ok {
			t.Errorf("delivery %s exposes %s", d.MessageID, tagHeader)
		}
	}
	// Acks happen before the next delivery is handled, so once the sentinel
	// is being handled every earlier message is acked: stopping the consumer
	// must leave exactly the sentinel behind.
	publishOK(t, pub, p+".x", q, mq.Publishing{MessageID: "sentinel"})
	<-sentinel
	stop()
	ac := admin(t, testURL())
	testwait.Until(t, 5*time.Second, "unacked sentinel requeued", func() bool { m, _ := queueState(t, ac, q); return m > 0 })
	if m, _ := queueState(t, ac, q); m != 1 {
		t.Fatalf("%d messages left after stopping the consumer, want only the unacked sentinel", m)
	}
}

func mustInt(s string) int64 {
	var n int64
	fmt.Sscan(s, &n)
	return n
}

func TestUnroutablePublishFails(t *testing.T) {
	p := uniquePrefix(t)
	q := p + ".q"
	topo := flow(p, mq.Queue{Name: q, Type: mq.Classic})
	deleteAtCleanup(t, testURL(), topo)
	c := startConn(t, testURL(), topo)
	pub := c.Publisher(3)

	err := pub.Publish(t.Context(), p+".x", "nobody-bound", mq.Publishing{Body: []byte("x")})
	if !errors.Is(err, ErrUnroutable) {
		t.Fatalf("publish to an unbound key = %v, want ErrUnroutable", err)
	}

	// Interleave routable and unroutable publishes on the same channels:
	// every verdict must belong to its own publish.
	const n = 400
	results := make([]error, n)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < n; i += 16 {
				key := q
				if i%3 == 0 {
					key = "nobody-bound"
				}
				results[i] = pub.Publish(t.Context(), p+".x", key, mq.Publishing{Body: []byte{byte(i)}, MessageID: fmt.Sprint(i)})
			}
		})
	}
	wg.Wait()
	for i, err := range results {
		if wantUnroutable := i%3 == 0; wantUnroutable != errors.Is(err, ErrUnroutable) || (!wantUnroutable && err != nil) {
			t.Errorf("publish %d: %v (unroutable expected: %v)", i, err, wantUnroutable)
		}
	}
	ac := admin(t, testURL())
	if m, _ := queueState(t, ac, q); m != n-(n+2)/3 {
		t.Errorf("queue holds %d messages, want %d routable ones", m, n-(n+2)/3)
	}
}

func TestPublishToMissingExchangeFailsAndPublisherRecovers(t *testing.T) {
	p := uniquePrefix(t)
	q := p + ".q"
	topo := flow(p, mq.Queue{Name: q, Type: mq.Classic})
	deleteAtCleanup(t, testURL(), topo)
	c := startConn(t, testURL(), topo)
	pub := c.Publisher(1)

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	// The broker closes the channel (404 NOT_FOUND) instead of returning.
	if err := pub.Publish(ctx, p+".missing", q, mq.Publishing{Body: []byte("x")}); err == nil {
		t.Fatal("publish to a missing exchange succeeded")
	}
	publishOK(t, pub, p+".x", q, mq.Publishing{Body: []byte("after")})
}

func TestPublishContextDeadline(t *testing.T) {
	p := uniquePrefix(t)
	topo := flow(p, mq.Queue{Name: p + ".q", Type: mq.Classic})
	deleteAtCleanup(t, testURL(), topo)
	c := startConn(t, testURL(), topo)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := c.Publisher(1).Publish(ctx, p+".x", p+".q", mq.Publishing{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("publish with a cancelled ctx = %v", err)
	}
}
