package message

import (
	"errors"
	"testing"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
)

var (
	bobPhone   = device.ID{AppID: 1, UserID: "bob", Type: device.Type(3), IMEI: "p2"}
	carolPhone = device.ID{AppID: 1, UserID: "carol", Type: device.Type(3), IMEI: "p3"}
)

// Regression: a recall right after the up-ACK, before the store wrote the
// message, was refused with 6000 (the message was looked up in MySQL only).
func TestRecall_BeforeTheStoreWroteIt(t *testing.T) {
	w := newWorld()
	s := w.service(t)
	ack, err := s.Send(t.Context(), p2p("m1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Recall(t.Context(), alicePhone, "gw1", payload.Recall{MessageKey: ack.MessageKey, MessageID: "r1"}); err != nil {
		t.Fatalf("recall: %v", err)
	}
	last := w.stored[len(w.stored)-1]
	if last.Op != mq.OpRecall || !last.Message.Recalled || last.Message.MessageID != "m1" || last.Message.Seq != ack.MessageSequence {
		t.Fatalf("recall record %+v", last)
	}
	if a := w.acks[len(w.acks)-1]; a.Code != 200 {
		t.Fatalf("1051 %+v", a)
	}
	// The permission rules still hold for a message found in Redis.
	if err := s.Recall(t.Context(), bobPhone, "gw2", payload.Recall{MessageKey: ack.MessageKey, MessageID: "r2"}); !errors.Is(err, errcode.RecallNotAllowed) {
		t.Fatalf("receiver recall: %v", err)
	}
	if err := s.Recall(t.Context(), carolPhone, "gw3", payload.Recall{MessageKey: ack.MessageKey, MessageID: "r3"}); !errors.Is(err, errcode.MessageNotFound) {
		t.Fatalf("outsider recall: %v", err)
	}
}

func receipts(w *world, cmd command.Code) []string { return pushed(w, cmd) }

// Regression: 2054 went to whatever toId the reader named.
func TestRead_GroupReceiptGoesToTheSender(t *testing.T) {
	tests := []struct{ name, toID string }{{"spoofed toId", "carol"}, {"no toId", ""}, {"right toId", "alice"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			s := w.service(t)
			in := p2p("g1")
			groupSend(Group{Found: true, Member: &Member{}, Members: []string{"alice", "bob", "carol"}})(w, &in)
			ack, err := s.Send(t.Context(), in)
			if err != nil {
				t.Fatal(err)
			}
			err = s.Read(t.Context(), bobPhone, payload.Read{GroupID: "g", ToID: tt.toID, MessageSequence: ack.MessageSequence}, true)
			if got := receipts(w, command.GroupReadReceipt); err != nil || len(got) != 1 || got[0] != "alice" {
				t.Fatalf("err %v, 2054 to %v; want alice", err, got)
			}
			if w.read["bob|group:g"] != ack.MessageSequence {
				t.Fatalf("read positions %v", w.read)
			}
		})
	}
}

func TestRead_Refusals(t *testing.T) {
	w := newWorld()
	s := w.service(t)
	if _, err := s.Send(t.Context(), p2p("m1")); err != nil {
		t.Fatal(err)
	}
	w.group = Group{Found: true, Member: &Member{}, Members: []string{"alice", "bob"}}
	tests := []struct {
		name  string
		from  device.ID
		r     payload.Read
		group bool
		want  *errcode.Error
	}{
		{"1:1 that does not exist", carolPhone, payload.Read{ToID: "bob", MessageSequence: 1}, false, errcode.ConversationNotFound},
		{"1:1 with a stranger", bobPhone, payload.Read{ToID: "carol", MessageSequence: 1}, false, errcode.ConversationNotFound},
		{"group seq without message", bobPhone, payload.Read{GroupID: "g", MessageSequence: 9}, true, errcode.MessageNotFound},
		{"no seq", bobPhone, payload.Read{ToID: "alice"}, false, errcode.MissingField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(w.pushes)
			if err := s.Read(t.Context(), tt.from, tt.r, tt.group); !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if len(w.pushes) != before {
				t.Fatalf("refused read notified: %+v", w.pushes[before:])
			}
		})
	}
	if err := s.Read(t.Context(), bobPhone, payload.Read{ToID: "alice", MessageSequence: 1}, false); err != nil {
		t.Fatal(err)
	}
	if got := receipts(w, command.MessageReadReceipt); len(got) != 1 || got[0] != "alice" {
		t.Fatalf("1054 to %v", got)
	}
}

// "Read by N of M": M = members other than the sender, N = those of them
// whose read position reached the seq.
func TestReadBy_ExcludesTheSender(t *testing.T) {
	w := newWorld()
	s := w.service(t)
	in := p2p("g1")
	groupSend(Group{Found: true, Member: &Member{}, Members: []string{"alice", "bob", "carol"}})(w, &in)
	ack, err := s.Send(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	w.read["alice|group:g"] = ack.MessageSequence // the sender's own position
	if n, m, err := s.ReadBy(t.Context(), 1, "bob", "g", ack.MessageSequence); err != nil || n != 0 || m != 2 {
		t.Fatalf("read by %d of %d, %v; want 0 of 2", n, m, err)
	}
	w.read["carol|group:g"] = ack.MessageSequence + 5
	if n, m, err := s.ReadBy(t.Context(), 1, "bob", "g", ack.MessageSequence); err != nil || n != 1 || m != 2 {
		t.Fatalf("read by %d of %d, %v; want 1 of 2", n, m, err)
	}
	if _, _, err := s.ReadBy(t.Context(), 1, "bob", "g", 99); !errors.Is(err, errcode.MessageNotFound) {
		t.Fatalf("unknown seq: %v", err)
	}
}
