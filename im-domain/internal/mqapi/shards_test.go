package mqapi

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/testwait"
)

// feeds is a Consumer whose queues take batches from the test, settling
// each like the broker adapters (nil acks; an error while stopping leaves
// it unacked), and counting the consumers running on each queue.
type feeds struct {
	mu      sync.Mutex
	in      map[string]chan []mq.Delivery
	running map[string]int
	acked   map[string]int
}

func newFeeds() *feeds {
	return &feeds{in: map[string]chan []mq.Delivery{}, running: map[string]int{}, acked: map[string]int{}}
}

func (f *feeds) queue(q string) chan []mq.Delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.in[q] == nil {
		f.in[q] = make(chan []mq.Delivery, 8)
	}
	return f.in[q]
}

func (f *feeds) count(m map[string]int, q string, d int) {
	f.mu.Lock()
	m[q] += d
	f.mu.Unlock()
}

func (f *feeds) get(m map[string]int, q string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return m[q]
}

func (f *feeds) ConsumeBatch(ctx context.Context, q string, _ mq.BatchOptions, h mq.BatchHandler) error {
	f.count(f.running, q, 1)
	defer f.count(f.running, q, -1)
	in := f.queue(q)
	for {
		select {
		case <-ctx.Done():
			return nil
		case ds := <-in:
			err := h(ctx, ds)
			if err != nil && ctx.Err() != nil {
				return nil // not acked: the broker requeues it
			}
			if err == nil {
				f.count(f.acked, q, 1)
			}
		}
	}
}

// assignment is an Assignment fed by the test.
type assignment chan []int

func (a assignment) Shards(context.Context) (<-chan []int, error) { return a, nil }

// gated batches block in Run while they hold a send of "slow", until the
// gate opens.
type gated struct {
	fakeBatch
	started chan struct{}
	gate    chan struct{}
}

func (g *gated) Run(ctx context.Context) error {
	for _, c := range g.calls {
		if c == "send:slow:gw" {
			g.started <- struct{}{}
			<-g.gate
		}
	}
	return nil
}

// A released shard's batch in flight finishes and is acked before its
// consumer stops; the shards still owned go on; a shard owned again gets
// a consumer again; Owned follows the assignment.
func TestRun_FollowsTheAssignment(t *testing.T) {
	started, gate := make(chan struct{}, 1), make(chan struct{})
	h := New(func() Batch { return &gated{started: started, gate: gate} },
		func(context.Context, []byte, string) error { return nil }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	q, a := newFeeds(), make(assignment, 1)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx, q, Options{Shards: 4, Assignment: a}) }()
	running := func(queue string, want int) func() bool {
		return func() bool { return q.get(q.running, queue) == want }
	}

	a <- []int{0, 1, 7} // 7 is no shard: ignored
	testwait.Until(t, 5*time.Second, "consumers of shards 0 and 1", func() bool {
		return running("im.uplink.0", 1)() && running("im.uplink.1", 1)() && h.Owned() == 2
	})
	if n := q.get(q.running, "im.uplink.2"); n != 0 {
		t.Fatalf("%d consumers of an unassigned shard", n)
	}
	q.queue("im.uplink.1") <- []mq.Delivery{delivery(command.MessageP2P, `{"messageId":"slow"}`)}
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the batch of shard 1 never ran")
	}
	a <- []int{0}
	testwait.Until(t, 5*time.Second, "owned 1", func() bool { return h.Owned() == 1 })
	if !running("im.uplink.1", 1)() {
		t.Fatal("shard 1 stopped with its batch in flight")
	}
	close(gate)
	testwait.Until(t, 5*time.Second, "shard 1 released", running("im.uplink.1", 0))
	if n := q.get(q.acked, "im.uplink.1"); n != 1 {
		t.Fatalf("shard 1's batch in flight acked %d times, want 1", n)
	}
	q.queue("im.uplink.0") <- []mq.Delivery{delivery(command.MessageP2P, `{"messageId":"x"}`)}
	testwait.Until(t, 5*time.Second, "shard 0 still consumed", func() bool { return q.get(q.acked, "im.uplink.0") == 1 })

	a <- []int{0, 1}
	testwait.Until(t, 5*time.Second, "shard 1 consumed again", func() bool { return running("im.uplink.1", 1)() && h.Owned() == 2 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"im.uplink.0", "im.uplink.1"} {
		if n := q.get(q.running, k); n != 0 {
			t.Fatalf("%s: %d consumers after Run returned", k, n)
		}
	}
}

// An assignment that ends while the node runs fails Run instead of leaving
// the node consuming nothing.
func TestRun_FailsWhenTheAssignmentEnds(t *testing.T) {
	h := New(func() Batch { return &fakeBatch{} }, func(context.Context, []byte, string) error { return nil },
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	a := make(assignment, 1)
	a <- []int{0}
	close(a)
	done := make(chan error, 1)
	go func() { done <- h.Run(t.Context(), newFeeds(), Options{Shards: 2, Assignment: a}) }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Run returned nil after the assignment ended")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run still running after the assignment ended")
	}
}
