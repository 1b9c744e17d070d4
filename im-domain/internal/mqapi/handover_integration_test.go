//go:build integration

package mqapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/mq/mqtest"
	"github.com/whaleim/whaleim/im-common/rabbit"
	"github.com/whaleim/whaleim/im-common/rabbit/rabbittest"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-domain/internal/message"
	"github.com/whaleim/whaleim/im-domain/internal/mqapi"
)

// sends records the messageIds a node processed, in order; a batch
// holding "slow" waits in Run until gate closes (or its context ends).
type sends struct {
	mu      sync.Mutex
	ids     []string
	started chan struct{}
	gate    chan struct{}
}

func (s *sends) processed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ids)
}

// batch is an mqapi.Batch that records its sends in s.
type batch struct {
	s   *sends
	ids []string
}

func (b *batch) Send(in message.Send)                     { b.ids = append(b.ids, in.Msg.MessageID) }
func (b *batch) ReceiveAck(device.ID, payload.ReceiveAck) {}
func (b *batch) Read(device.ID, payload.Read, bool)       {}
func (b *batch) Recall(device.ID, string, payload.Recall) {}
func (b *batch) Edit(device.ID, string, payload.Edit)     {}
func (b *batch) Typing(device.ID, payload.Typing)         {}
func (b *batch) Run(ctx context.Context) error {
	if slices.Contains(b.ids, "slow") {
		select {
		case b.s.started <- struct{}{}:
		default:
		}
		select {
		case <-b.s.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	b.s.mu.Lock()
	b.s.ids = append(b.s.ids, b.ids...)
	b.s.mu.Unlock()
	return nil
}

// assignment is an mqapi.Assignment fed by the test.
type assignment chan []int

func (a assignment) Shards(context.Context) (<-chan []int, error) { return a, nil }

// runNode consumes the uplink shards of url's broker as one domain node
// would, following a.
func runNode(t *testing.T, url string, a assignment, s *sends) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	conn, err := rabbit.Dial(t.Context(), url, mq.UplinkTopology(2, mq.Classic), log)
	if err != nil {
		t.Fatal(err)
	}
	mqtest.Background(t, conn.Run)
	h := mqapi.New(func() mqapi.Batch { return &batch{s: s} }, func(context.Context, []byte, string) error { return nil }, log)
	mqtest.Background(t, func(ctx context.Context) error {
		return h.Run(ctx, conn, mqapi.Options{Shards: 2, Assignment: a})
	})
}

// On a real broker: a node giving a shard away finishes and acks its
// batch in flight first, while the next owner's consumer stands by
// (single active consumer); the next owner then gets only what followed
// (requeued if the old owner had prefetched it), never the acked batch
// again, and the old owner processes nothing after its batch in flight.
func TestHandover_InFlightBatchAckedBeforeTheNextOwnerStarts(t *testing.T) {
	url := rabbittest.Vhost(t, "amqp://guest:guest@127.0.0.1:5672/", "imtest_handover_")
	a := &sends{started: make(chan struct{}, 1), gate: make(chan struct{})}
	b := &sends{started: make(chan struct{}, 1), gate: make(chan struct{})}
	close(b.gate) // only A's batch is held
	ownA, ownB := make(assignment, 1), make(assignment, 1)
	ownA <- []int{0, 1}
	runNode(t, url, ownA, a)

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	pubConn, err := rabbit.Dial(t.Context(), url, mq.UplinkTopology(2, mq.Classic), log)
	if err != nil {
		t.Fatal(err)
	}
	mqtest.Background(t, pubConn.Run)
	pub := pubConn.Publisher(1)
	t.Cleanup(func() { _ = pub.Close() })
	publish := func(id string) {
		body, _ := json.Marshal(payload.Message{MessageID: id, ToID: "bob"})
		up, _ := json.Marshal(mq.Uplink{Version: mq.Version, Command: command.MessageP2P,
			From: device.ID{AppID: 1, UserID: "alice"}, Broker: "gw", Payload: body})
		if err := pub.Publish(t.Context(), "", mq.UplinkQueue(0), mq.Publishing{Body: up, Persistent: true}); err != nil {
			t.Fatal(err)
		}
	}

	publish("slow")
	select {
	case <-a.started:
	case <-time.After(15 * time.Second):
		t.Fatal("node A never ran the batch of shard 0")
	}
	ownB <- []int{0} // B subscribes to shard 0: standing by behind A
	runNode(t, url, ownB, b)
	ownA <- []int{1} // A gives shard 0 away with its batch in flight
	publish("next")  // prefetched by A's consumer, or waiting: either way B's
	if got := b.processed(); len(got) != 0 {
		t.Fatalf("node B processed %v while A's batch was in flight", got)
	}
	close(a.gate)
	testwait.Until(t, 15*time.Second, "node B gets the next message", func() bool { return len(b.processed()) > 0 })
	testwait.Until(t, 5*time.Second, "node A's batch done", func() bool { return len(a.processed()) > 0 })
	if got := b.processed(); !slices.Equal(got, []string{"next"}) {
		t.Fatalf("node B processed %v, want only the message after the hand-over", got)
	}
	if got := a.processed(); !slices.Equal(got, []string{"slow"}) {
		t.Fatalf("node A processed %v, want only its batch in flight", got)
	}
}
