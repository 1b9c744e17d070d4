package mqapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/testwait"
)

// batches builds fake batches that fail when they hold a send of "bad",
// and records the calls of every batch run.
type batches struct {
	mu  sync.Mutex
	ran [][]string
}

func (bs *batches) handler() *Handler {
	return New(func() Batch { return &recorded{bs: bs} }, func(context.Context, []byte, string) error { return nil },
		slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func (bs *batches) runs() [][]string {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	return slices.Clone(bs.ran)
}

type recorded struct {
	fakeBatch
	bs *batches
}

func (r *recorded) Run(context.Context) error {
	r.bs.mu.Lock()
	r.bs.ran = append(r.bs.ran, r.calls)
	r.bs.mu.Unlock()
	if slices.Contains(r.calls, "send:bad:gw") {
		return errors.New("transient")
	}
	return nil
}

func partOf(t *testing.T, h *Handler, ids ...string) *part {
	t.Helper()
	var ds []mq.Delivery
	for _, id := range ids {
		ds = append(ds, delivery(command.MessageP2P, `{"messageId":"`+id+`"}`))
	}
	adds, err := h.parse(t.Context(), ds)
	if err != nil {
		t.Fatal(err)
	}
	return &part{adds: adds, deliveries: len(ds), done: make(chan error, 1)}
}

func outcome(p *part) error {
	select {
	case err := <-p.done:
		return err
	default:
		return errors.New("no outcome")
	}
}

// The parts waiting when a cycle starts become one batch, each part's
// uplinks in queue order; a failed cycle is retried part by part, so only
// the failing part is requeued.
func TestCycle_MergesWaitingPartsAndIsolatesFailure(t *testing.T) {
	tests := []struct {
		name     string
		parts    [][]string
		max      int
		wantRuns [][]string
		wantErr  []bool
	}{
		{"one part", [][]string{{"a", "b"}}, 100,
			[][]string{{"send:a:gw", "send:b:gw"}}, []bool{false}},
		{"merged", [][]string{{"a", "b"}, {"c"}, {"d"}}, 100,
			[][]string{{"send:a:gw", "send:b:gw", "send:c:gw", "send:d:gw"}}, []bool{false, false, false}},
		{"cycle bound", [][]string{{"a", "b"}, {"c"}, {"d"}}, 3,
			[][]string{{"send:a:gw", "send:b:gw", "send:c:gw"}}, []bool{false, false}},
		{"failure isolated", [][]string{{"a"}, {"bad"}, {"c"}}, 100,
			[][]string{{"send:a:gw", "send:bad:gw", "send:c:gw"}, {"send:a:gw"}, {"send:bad:gw"}, {"send:c:gw"}},
			[]bool{false, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := &batches{}
			h := bs.handler()
			in := make(chan *part, len(tt.parts))
			var parts []*part
			for _, ids := range tt.parts {
				p := partOf(t, h, ids...)
				parts = append(parts, p)
				in <- p
			}
			first := <-in
			h.cycle(t.Context(), gather(first, in, tt.max))
			if got := bs.runs(); !slices.EqualFunc(got, tt.wantRuns, slices.Equal) {
				t.Fatalf("runs %v, want %v", got, tt.wantRuns)
			}
			for i, want := range tt.wantErr {
				if err := outcome(parts[i]); (err != nil) != want {
					t.Fatalf("part %d: outcome %v, want error %v", i, err, want)
				}
			}
			if len(in) != len(tt.parts)-len(tt.wantErr) {
				t.Fatalf("%d parts left for the next cycle", len(in))
			}
		})
	}
}

// shardQueues is a Consumer whose queues each hold one batch.
type shardQueues struct {
	batches map[string][]mq.Delivery
	mu      sync.Mutex
	acked   map[string]error
}

func (s *shardQueues) ConsumeBatch(ctx context.Context, queue string, _ mq.BatchOptions, h mq.BatchHandler) error {
	if ds, ok := s.batches[queue]; ok {
		err := h(ctx, ds)
		s.mu.Lock()
		s.acked[queue] = err
		s.mu.Unlock()
	}
	<-ctx.Done()
	return nil
}

func (s *shardQueues) outcomes() map[string]error {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]error{}
	for k, v := range s.acked {
		out[k] = v
	}
	return out
}

// Run hands every shard's batch to the cycle loop and each consumer gets
// its own outcome.
func TestRun_EveryShardThroughTheCycles(t *testing.T) {
	bs := &batches{}
	q := &shardQueues{acked: map[string]error{}, batches: map[string][]mq.Delivery{
		"im.uplink.0": {delivery(command.MessageP2P, `{"messageId":"a"}`), delivery(command.MessageP2P, `{"messageId":"b"}`)},
		"im.uplink.2": {delivery(command.MessageP2P, `{"messageId":"bad"}`)},
		"im.uplink.3": {delivery(command.MessageP2P, `{"messageId":"c"}`)},
	}}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- bs.handler().Run(ctx, q, Options{Shards: 4}) }()
	testwait.Until(t, 5*time.Second, "three outcomes", func() bool { return len(q.outcomes()) == 3 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := q.outcomes()
	if got["im.uplink.0"] != nil || got["im.uplink.3"] != nil || got["im.uplink.2"] == nil {
		t.Fatalf("outcomes %v", got)
	}
	var sends []string
	for _, r := range bs.runs() {
		sends = append(sends, r...)
	}
	if i, j := slices.Index(sends, "send:a:gw"), slices.Index(sends, "send:b:gw"); i < 0 || j < i {
		t.Fatalf("shard 0 out of order: %v", sends)
	}
}
