package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/testwait"
)

// failures collects the uplinks a coalescer answered as failed.
type failures struct {
	mu  sync.Mutex
	ids map[string]error
}

func (f *failures) of(id string) func(error) {
	return func(err error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.ids == nil {
			f.ids = map[string]error{}
		}
		if _, dup := f.ids[id]; dup {
			panic("uplink " + id + " answered twice")
		}
		f.ids[id] = err
	}
}

func (f *failures) len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.ids)
}

// testUplink is an uplink whose payload names it.
func testUplink(id string) mq.Uplink {
	return mq.Uplink{Version: mq.Version, Command: 1103, Payload: []byte(`{"messageId":"` + id + `"}`)}
}

func newTestCoalescer(pub Publisher, lim batchLimits) *coalescer {
	def := batchLimits{linger: time.Hour, maxBatch: 4, maxBytes: 1 << 20, maxQueue: 64, timeout: 5 * time.Second}
	if lim.linger != 0 {
		def.linger = lim.linger
	}
	if lim.maxBytes != 0 {
		def.maxBytes = lim.maxBytes
	}
	if lim.maxQueue != 0 {
		def.maxQueue = lim.maxQueue
	}
	return newCoalescer(pub, 2, def, "send", newMetrics(), slog.New(slog.DiscardHandler))
}

// ids returns the messageIds of ups in order.
func ids(ups []mq.Uplink) []string {
	out := make([]string, len(ups))
	for i, u := range ups {
		out[i] = string(u.Payload[len(`{"messageId":"`) : len(u.Payload)-2])
	}
	return out
}

// batchSizes returns the uplinks per publish.
func batchSizes(t *testing.T, pub *fakePublisher) []int {
	t.Helper()
	var out []int
	for _, p := range pub.all() {
		ups, err := mq.DecodeUplinks(p.body)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, len(ups))
	}
	return out
}

func TestCoalescerFlushes(t *testing.T) {
	tests := []struct {
		name  string
		lim   batchLimits
		adds  int
		close bool
		want  []int // batch sizes
	}{
		{"full batch without waiting for the linger", batchLimits{}, 4, false, []int{4}},
		{"size splits batches", batchLimits{}, 9, true, []int{4, 4, 1}},
		{"linger flushes a partial batch", batchLimits{linger: time.Millisecond}, 3, false, []int{3}},
		{"bytes bound a batch", batchLimits{maxBytes: 2 * len(testUplink("m0").Payload)}, 3, true, []int{2, 1}},
		{"shutdown flushes what lingers", batchLimits{}, 3, true, []int{3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub := &fakePublisher{}
			c := newTestCoalescer(pub, tt.lim)
			var f failures
			for i := range tt.adds {
				id := fmt.Sprint("m", i)
				if err := c.add(t.Context(), 1, testUplink(id), f.of(id)); err != nil {
					t.Fatal(err)
				}
			}
			if tt.close {
				c.close()
			}
			testwait.Until(t, 5*time.Second, "published", func() bool { return len(pub.all()) == len(tt.want) })
			if got := batchSizes(t, pub); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("batch sizes %v, want %v", got, tt.want)
			}
			for _, p := range pub.all() {
				if p.exchange != mq.ExchangeUplink || p.key != mq.UplinkKey(1) {
					t.Errorf("published to %s/%s", p.exchange, p.key)
				}
			}
			var want []string
			for i := range tt.adds {
				want = append(want, fmt.Sprint("m", i))
			}
			if got := ids(pub.uplinks(t)); fmt.Sprint(got) != fmt.Sprint(want) || f.len() != 0 {
				t.Errorf("published %v, failed %d", got, f.len())
			}
		})
	}
}

// TestCoalescerOrder: uplinks of one shard are published in the order
// they were added, across batches, while a confirm is outstanding.
func TestCoalescerOrder(t *testing.T) {
	pub := &fakePublisher{gate: make(chan struct{})}
	c := newTestCoalescer(pub, batchLimits{linger: time.Millisecond, maxQueue: 1000})
	var f failures
	var want []string
	for i := range 50 {
		id := fmt.Sprint("m", i)
		want = append(want, id)
		if err := c.add(t.Context(), 0, testUplink(id), f.of(id)); err != nil {
			t.Fatal(err)
		}
	}
	close(pub.gate)
	c.close()
	if got := ids(pub.uplinks(t)); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("order %v", got)
	}
}

// TestCoalescerFailureAnswersEveryUplink: a failed batch answers each of
// its uplinks exactly once with the error; the next batch is unaffected.
func TestCoalescerFailureAnswersEveryUplink(t *testing.T) {
	pub := &fakePublisher{fail: errors.New("nacked")}
	c := newTestCoalescer(pub, batchLimits{})
	var f failures
	for i := range 6 {
		id := fmt.Sprint("m", i)
		if err := c.add(t.Context(), 0, testUplink(id), f.of(id)); err != nil {
			t.Fatal(err)
		}
	}
	testwait.Until(t, 5*time.Second, "first batch failed", func() bool { return f.len() == 4 })
	pub.setFail(nil)
	c.close()
	if f.len() != 4 {
		t.Fatalf("%d uplinks answered as failed, want the 4 of the failed batch", f.len())
	}
	for id, err := range f.ids {
		if err == nil || err.Error() != "nacked" {
			t.Errorf("%s answered with %v", id, err)
		}
	}
	if got := ids(pub.uplinks(t)); fmt.Sprint(got) != "[m4 m5]" {
		t.Errorf("published after the failure: %v", got)
	}
}

// TestCoalescerFullQueueWaits: a reader waits while its shard's queue is
// full and gives up with a retryable error when the broker does not
// catch up within the publish timeout; after close, adds are refused.
func TestCoalescerFullQueueWaits(t *testing.T) {
	pub := &fakePublisher{gate: make(chan struct{})}
	c := newTestCoalescer(pub, batchLimits{maxQueue: 4})
	var f failures
	for i := range 8 { // one batch in flight, one full queue
		id := fmt.Sprint("m", i)
		testwait.Until(t, 5*time.Second, "room", func() bool {
			return c.add(t.Context(), 0, testUplink(id), f.of(id)) == nil
		})
	}
	// The reader's own deadline, not the publish timeout: a short publish
	// timeout would time the gated batch out and make room (a flake).
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	err := c.add(ctx, 0, testUplink("late"), f.of("late"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("add to a full queue = %v", err)
	}
	close(pub.gate)
	c.close()
	if err := c.add(t.Context(), 0, testUplink("closed"), f.of("closed")); !errors.Is(err, errCoalescerClosed) {
		t.Fatalf("add after close = %v", err)
	}
}

// BenchmarkCoalescer measures queueing and batching uplinks across shards
// against a publisher that confirms at once.
func BenchmarkCoalescer(b *testing.B) {
	pub := &countingPublisher{}
	c := newCoalescer(pub, 64, batchLimits{linger: time.Millisecond, maxBatch: 256, maxBytes: 1 << 20,
		maxQueue: 1024, timeout: 5 * time.Second}, "send", newMetrics(), slog.New(slog.DiscardHandler))
	up := testUplink("0123456789abcdef")
	up.Payload = []byte(`{"messageId":"0123456789abcdef","fromId":"user-1","toId":"user-2","messageBody":"hello, world"}`)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if err := c.add(context.Background(), i%64, up, func(error) {}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	c.close()
	b.ReportMetric(float64(b.N)/float64(pub.n.Load()), "uplinks/batch")
}

// TestControlUplinksCoalescedApart: receive-ACKs and reads go through the
// control coalescer, with its own linger; sends do not wait for them.
func TestControlUplinksCoalescedApart(t *testing.T) {
	g, pub, _ := testGateway(t, device.PolicyUnlimited)
	g.controls = newCoalescer(pub, g.cfg.UplinkShards, uplinkLimits(g.cfg, time.Hour), "control", g.metrics, g.log)
	c, _ := login(t, g, "alice", device.IOS, "i1")
	frames := []packet.Client{
		{Command: command.MessageReceiveAck, Body: []byte(`{"messageId":"r1","fromId":"alice","toId":"bob","messageSequence":1}`)},
		{Command: command.MessageRead, Body: []byte(`{"fromId":"alice","toId":"bob","messageSequence":1}`)},
		{Command: command.MessageP2P, Body: []byte(`{"messageId":"m1","fromId":"alice","toId":"bob"}`)},
	}
	for _, p := range frames {
		p.AppID, p.Device, p.IMEI = 7, device.IOS, "i1"
		if !c.handle(t.Context(), p) {
			t.Fatal("connection ended")
		}
	}
	testwait.Until(t, 5*time.Second, "send published", func() bool { return len(pub.all()) == 1 })
	if ups := pub.uplinks(t); len(ups) != 1 || ups[0].Command != command.MessageP2P {
		t.Fatalf("published first: %v", ups)
	}
	g.controls.close() // flushes without lingering
	ups := pub.uplinks(t)
	if len(pub.all()) != 2 || len(ups) != 3 || ups[1].Command != command.MessageReceiveAck || ups[2].Command != command.MessageRead {
		t.Fatalf("%d publishes: %v", len(pub.all()), ups)
	}
}

// TestSpreadCoalescerFillsOneLaneAndTakesTurns: control uplinks of every
// shard share one batch, and the batches go to the shards in turn.
func TestSpreadCoalescerFillsOneLaneAndTakesTurns(t *testing.T) {
	pub := &fakePublisher{}
	lim := batchLimits{linger: time.Hour, maxBatch: 4, maxBytes: 1 << 20, maxQueue: 64, timeout: 5 * time.Second}
	c := newSpreadCoalescer(pub, 3, lim, "control", newMetrics(), slog.New(slog.DiscardHandler))
	var f failures
	for i := range 16 {
		id := fmt.Sprint("m", i)
		if err := c.add(t.Context(), i%3, testUplink(id), f.of(id)); err != nil {
			t.Fatal(err)
		}
	}
	testwait.Until(t, 5*time.Second, "published", func() bool { return len(pub.all()) == 4 })
	if got := batchSizes(t, pub); fmt.Sprint(got) != "[4 4 4 4]" {
		t.Errorf("batch sizes %v, want one lane of full batches", got)
	}
	var keys []string
	for _, p := range pub.all() {
		keys = append(keys, p.key)
	}
	want := []string{mq.UplinkKey(0), mq.UplinkKey(1), mq.UplinkKey(2), mq.UplinkKey(0)}
	if fmt.Sprint(keys) != fmt.Sprint(want) {
		t.Errorf("routing keys %v, want %v", keys, want)
	}
	c.close()
	if f.len() != 0 {
		t.Errorf("%d uplinks failed", f.len())
	}
}
