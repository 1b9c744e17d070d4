//go:build e2e

package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-sdk/go/imclient"
)

// checkStream requires that d received exactly the messages with ids, in
// that order, with the seqs of the up-ACKs.
func checkStream(d *dev, want []imclient.Ack) error {
	got := d.messages(command.MessageP2P)
	if len(got) != len(want) {
		return fmt.Errorf("%s: %d messages, want %d", d.name, len(got), len(want))
	}
	for i, m := range got {
		if m.MessageID != want[i].MessageID || m.MessageSequence != want[i].Seq || m.MessageKey != want[i].Key {
			return fmt.Errorf("%s: message %d = %s seq %d key %d, want %s seq %d key %d", d.name, i,
				m.MessageID, m.MessageSequence, m.MessageKey, want[i].MessageID, want[i].Seq, want[i].Key)
		}
	}
	return nil
}

// TestChatMultiDevice: 1:1 messages reach both receiver devices and the
// sender's other device in seq order; receive ACKs and reads are relayed.
func TestChatMultiDevice(t *testing.T) {
	u := newUsers(t, "chat", 2)
	alice, bob := u[0], u[1]
	a1 := connect(t, alice, 0, false, device.Android)
	a2 := connect(t, alice, 1, true, device.Web)
	b1 := connect(t, bob, 1, false, device.Android)
	b2 := connect(t, bob, 0, true, device.Web)
	const n = 10
	acks := make([]imclient.Ack, n)
	for i := range acks {
		acks[i] = send(t, a1, imclient.Message{ToID: bob, Body: fmt.Sprintf("hello %d", i)})
		if err := acks[i].Err(); err != nil {
			t.Fatalf("send %d refused: %v", i, err)
		}
		if i > 0 && acks[i].Seq <= acks[i-1].Seq {
			t.Fatalf("seq went backwards: %d after %d", acks[i].Seq, acks[i-1].Seq)
		}
	}
	t.Logf("%d messages up-ACKed, seqs %d..%d", n, acks[0].Seq, acks[n-1].Seq)
	for _, d := range []*dev{b1, b2, a2} {
		testwait.Eventually(t, 10*time.Second, func() error { return checkStream(d, acks) })
	}
	if got := a1.messages(command.MessageP2P); len(got) != 0 {
		t.Fatalf("sending device got its own messages back: %d", len(got))
	}
	t.Log("delivered in seq order to both bob devices and alice's other device")

	last := acks[n-1]
	if err := b1.ReceiveAck(payload.ReceiveAck{MessageID: last.MessageID, MessageKey: last.Key,
		MessageSequence: last.Seq, FromID: bob, ToID: alice}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []*dev{a1, a2} {
		testwait.Eventually(t, 10*time.Second, func() error {
			for _, r := range received[payload.ReceiveAck](d, command.MessageReceiveAck) {
				if r.MessageID == last.MessageID && r.MessageSequence == last.Seq && r.FromID == bob {
					return nil
				}
			}
			return fmt.Errorf("%s: no 1107 for %s", d.name, last.MessageID)
		})
	}
	t.Log("receive ACK relayed to both sender devices")

	if err := b2.Read(payload.Read{FromID: bob, ToID: alice, MessageSequence: last.Seq}); err != nil {
		t.Fatal(err)
	}
	hasRead := func(d *dev, cmd command.Code) func() error {
		return func() error {
			for _, r := range received[payload.Read](d, cmd) {
				if r.MessageSequence == last.Seq && r.FromID == bob {
					return nil
				}
			}
			return fmt.Errorf("%s: no %v with seq %d", d.name, cmd, last.Seq)
		}
	}
	testwait.Eventually(t, 10*time.Second, hasRead(b1, command.MessageReadNotify))
	testwait.Eventually(t, 10*time.Second, hasRead(a1, command.MessageReadReceipt))
	testwait.Eventually(t, 10*time.Second, hasRead(a2, command.MessageReadReceipt))
	if len(received[payload.Read](b2, command.MessageReadNotify)) != 0 {
		t.Fatal("the reading device got its own 1053")
	}
	t.Log("read: 1053 on bob's other device, 1054 on both alice devices")
}

// TestResendSameMessageID: five sends of one messageId store one row and
// get five identical up-ACKs.
func TestResendSameMessageID(t *testing.T) {
	u := newUsers(t, "dup", 2)
	a := connect(t, u[0], 0, false, device.Android)
	r := connect(t, u[1], 1, true, device.Web)
	m := imclient.Message{MessageID: imclient.NewMessageID(), ToID: u[1], Body: "once"}
	var acks []imclient.Ack
	for range 5 {
		acks = append(acks, send(t, a, m))
	}
	for i, ack := range acks {
		if ack.Err() != nil || ack.Seq == 0 || ack != acks[0] {
			t.Fatalf("ack %d = %+v, want %+v (success with a seq)", i, ack, acks[0])
		}
	}
	testwait.Eventually(t, 15*time.Second, func() error {
		if n := count(t, "SELECT COUNT(*) FROM im_message WHERE app_id=%d AND message_id='%s'", cl.appID, m.MessageID); n != 1 {
			return fmt.Errorf("%d rows for %s, want 1", n, m.MessageID)
		}
		return nil
	})
	testwait.Never(t, time.Second, func() error {
		if n := len(r.messages(command.MessageP2P)); n > 1 {
			return fmt.Errorf("receiver got %d copies", n)
		}
		return nil
	})
	t.Logf("5 sends: identical ACKs (seq %d key %d), 1 row, receiver copies %d", acks[0].Seq, acks[0].Key, len(r.messages(command.MessageP2P)))
}

type page struct {
	ConversationID string            `json:"conversationId"`
	MaxSequence    int64             `json:"maxSequence"`
	Completed      bool              `json:"completed"`
	DataList       []payload.Message `json:"dataList"`
}

// pullAll pages through /v1/message/pull as user (its own sign).
func pullAll(t *testing.T, user, conv string) []payload.Message {
	t.Helper()
	var all []payload.Message
	var last int64
	for range 100 {
		r := call(t, user, "/v1/message/pull", map[string]any{"conversationId": conv, "lastSequence": last, "maxLimit": 30})
		if r.Code != 200 {
			t.Fatalf("pull: %d %s", r.Code, r.Msg)
		}
		var p page
		mustJSON(t, r.Data, &p)
		all = append(all, p.DataList...)
		if len(p.DataList) > 0 {
			last = p.DataList[len(p.DataList)-1].MessageSequence
		}
		if p.Completed || len(p.DataList) == 0 {
			return all
		}
	}
	t.Fatal("pull did not complete")
	return nil
}

// TestOfflineSync: 100 messages to an offline user come back by pull and
// syncOffline, all and in order.
func TestOfflineSync(t *testing.T) {
	u := newUsers(t, "off", 2)
	a := connect(t, u[0], 1, true, device.Web)
	var ids []string
	for i := range 100 {
		ack := send(t, a, imclient.Message{ToID: u[1], Body: fmt.Sprint("offline ", i)})
		if ack.Err() != nil {
			t.Fatalf("send %d: %v", i, ack.Err())
		}
		ids = append(ids, ack.MessageID)
	}
	t.Log("100 messages up-ACKed while the receiver was offline")
	b := connect(t, u[1], 0, false, device.Android)
	_ = b
	conv := p2pConv(u[0], u[1])
	testwait.Eventually(t, 15*time.Second, func() error {
		got := pullAll(t, u[1], conv)
		return sameOrder(got, ids)
	})
	r := call(t, u[1], "/v1/message/syncOffline", map[string]any{"conversations": map[string]int64{}, "maxLimit": 200})
	if r.Code != 200 {
		t.Fatalf("syncOffline: %d %s", r.Code, r.Msg)
	}
	var pages []page
	mustJSON(t, r.Data, &pages)
	var got []payload.Message
	for _, p := range pages {
		if p.ConversationID == conv {
			got = p.DataList
		}
	}
	if err := sameOrder(got, ids); err != nil {
		t.Fatalf("syncOffline: %v", err)
	}
	t.Log("pull and syncOffline return all 100 in seq order")
}

func sameOrder(got []payload.Message, ids []string) error {
	gotIDs := make([]string, len(got))
	for i, m := range got {
		gotIDs[i] = m.MessageID
		if i > 0 && m.MessageSequence <= got[i-1].MessageSequence {
			return fmt.Errorf("seq %d after %d", m.MessageSequence, got[i-1].MessageSequence)
		}
	}
	if !slices.Equal(gotIDs, ids) {
		return fmt.Errorf("got %d messages, want %d in send order", len(got), len(ids))
	}
	return nil
}
