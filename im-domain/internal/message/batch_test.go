package message

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/errcode"
)

func p2pTo(id, to string) Send {
	in := p2p(id)
	in.Msg.ToID = to
	return in
}

// A batch: one store publish, one push batch per gateway, seqs per
// conversation in batch order, deliveries in seq order, a duplicate within
// the batch answered with the same ack, a refusal answered alone.
func TestBatch_OneStorePublishOnePushPerGatewayInOrder(t *testing.T) {
	w := newWorld()
	s := w.service(t)
	b := s.NewBatch()
	for _, in := range []Send{p2pTo("m1", "bob"), p2pTo("m2", "carol"), p2pTo("m3", "bob"), p2pTo("m1", "bob"),
		p2pTo("m4", "zed"), p2pTo("m5", "bob")} {
		b.Send(in)
	}
	if err := b.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if w.storeBatches != 1 || len(w.stored) != 4 {
		t.Fatalf("%d store publishes of %d records; want 1 of 4", w.storeBatches, len(w.stored))
	}
	if gws := slices.Sorted(slices.Values(w.pushBatches)); !slices.Equal(gws, []string{"gw1", "gw2", "gw3"}) {
		t.Fatalf("push publishes to %v; want one per gateway", w.pushBatches)
	}
	var bobSeqs []int64
	for _, p := range w.pushes {
		if p.Command == command.MessageP2P && p.To[0].UserID == "bob" {
			var m payload.Message
			_ = json.Unmarshal(p.Data, &m)
			bobSeqs = append(bobSeqs, m.MessageSequence)
		}
	}
	if !slices.Equal(bobSeqs, []int64{1, 2, 3}) {
		t.Fatalf("bob got seqs %v; want 1, 2, 3", bobSeqs)
	}
	codes := make([]errcode.Code, len(w.acks))
	for i, a := range w.acks {
		codes[i] = a.Code
	}
	if !slices.Equal(codes, []errcode.Code{200, 200, 200, 200, errcode.UserNotFound.Code, 200}) || *w.acks[0].Data != *w.acks[3].Data {
		t.Fatalf("acks %v; the duplicate's %+v vs %+v", codes, w.acks[3].Data, w.acks[0].Data)
	}
}

// Receive-ACKs and reads of a batch are relayed in the same push batches
// as the batch's sends.
func TestBatch_RelaysJoinThePushBatches(t *testing.T) {
	w := newWorld()
	s := w.service(t)
	if _, err := s.Send(t.Context(), p2p("m1")); err != nil {
		t.Fatal(err)
	}
	w.pushBatches, w.pushes = nil, nil
	b := s.NewBatch()
	b.Send(p2p("m2"))
	b.ReceiveAck(bobPhone, payload.ReceiveAck{ToID: "alice", MessageSequence: 1, MessageID: "m1"})
	b.Read(bobPhone, payload.Read{ToID: "alice", MessageSequence: 1}, false)
	b.Read(carolPhone, payload.Read{ToID: "alice", MessageSequence: 1}, false) // refused: not in it
	if err := b.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(w.pushBatches) != 2 { // gw1 (alice), gw2 (bob)
		t.Fatalf("push publishes to %v", w.pushBatches)
	}
	if got := pushed(w, command.MessageReceiveAck); !slices.Equal(got, []string{"alice"}) {
		t.Fatalf("1107 relayed to %v", got)
	}
	if got := pushed(w, command.MessageReadReceipt); !slices.Equal(got, []string{"alice"}) {
		t.Fatalf("1054 to %v", got)
	}
}

// A sync right after the up-ACK, before the store wrote the message, waits
// for it instead of missing it (nothing would push it again).
func TestPull_WaitsForTheStoreAfterTheUpAck(t *testing.T) {
	w := newWorld()
	s := w.service(t)
	if _, err := s.Send(t.Context(), p2p("m1")); err != nil {
		t.Fatal(err)
	}
	store := s.d.Store.(*fakeStore)
	go func() {
		time.Sleep(100 * time.Millisecond) // the store's lag behind the up-ACK
		store.write(w.stored[0].Message)
	}()
	p, err := s.Pull(t.Context(), 1, "bob", "p2p:alice:bob", 0, 10)
	if err != nil || len(p.DataList) != 1 || p.DataList[0].MessageID != "m1" {
		t.Fatalf("pull = %+v, %v; want m1", p, err)
	}
}
