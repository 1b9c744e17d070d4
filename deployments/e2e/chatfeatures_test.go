//go:build e2e

package e2e

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-sdk/go/imclient"
	"github.com/whaleim/whaleim/im-sdk/go/whaleim"
)

// event waits until u emitted an event of type T that match accepts.
func event[T whaleim.Event](t *testing.T, u *sdkUser, what string, match func(T) bool) T {
	t.Helper()
	var got T
	testwait.Until(t, 15*time.Second, u.cfg.UserID+": "+what, func() bool {
		u.mu.Lock()
		defer u.mu.Unlock()
		for _, ev := range u.all {
			if e, ok := ev.(T); ok && match(e) {
				got = e
				return true
			}
		}
		return false
	})
	return got
}

// sent sends m with u's SDK and waits until the server stored it.
func sent(t *testing.T, u *sdkUser, m whaleim.Outgoing) whaleim.MessageStateChanged {
	t.Helper()
	id, err := u.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	return event(t, u, "message "+id+" sent", func(e whaleim.MessageStateChanged) bool {
		return e.MessageID == id && e.State == whaleim.Sent
	})
}

// TestSDKTyping: a typing indicator reaches the peer (1:1) and the other
// group members through the SDK, stop included, and nothing is stored.
func TestSDKTyping(t *testing.T) {
	u := newUsers(t, "typ", 3)
	alice := startSDK(t, u[0], whaleim.TCP, whaleim.NewMemoryStore())
	bob := startSDK(t, u[1], whaleim.WebSocket, whaleim.NewMemoryStore())
	carol := startSDK(t, u[2], whaleim.TCP, whaleim.NewMemoryStore())
	conv := whaleim.P2P(u[0], u[1])
	sent(t, alice, whaleim.Outgoing{To: u[1], Body: "hi"}) // a conversation to type in
	stored := func() int {
		return count(t, "SELECT COUNT(*) FROM im_message WHERE app_id=%d AND conversation_id='%s'", cl.appID, conv)
	}
	testwait.Until(t, 15*time.Second, "the message stored", func() bool { return stored() == 1 })

	if err := alice.Typing(conv, false); err != nil {
		t.Fatal(err)
	}
	event(t, bob, "alice typing", func(e whaleim.Typing) bool { return e.Conversation == conv && e.From == u[0] && !e.Stopped })
	if err := alice.Typing(conv, true); err != nil {
		t.Fatal(err)
	}
	event(t, bob, "alice stopped", func(e whaleim.Typing) bool { return e.Conversation == conv && e.Stopped })

	group := createGroup(t, u[0], u[1:])
	gconv := whaleim.GroupConversation(group)
	if err := bob.Typing(gconv, false); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*sdkUser{alice, carol} {
		event(t, m, "bob typing in the group", func(e whaleim.Typing) bool { return e.Conversation == gconv && e.From == u[1] })
	}
	if n := stored(); n != 1 {
		t.Errorf("%d messages stored in the conversation, want 1: typing is never stored", n)
	}
}

// TestSDKEdit: the sender edits a 1:1 and a group message through the
// SDK: the peer's devices get the edit, history and sync return the edited
// body, the receiver may not edit it, and a recalled message cannot be
// edited.
func TestSDKEdit(t *testing.T) {
	u := newUsers(t, "edt", 2)
	alice := startSDK(t, u[0], whaleim.TCP, whaleim.NewMemoryStore())
	bob := startSDK(t, u[1], whaleim.WebSocket, whaleim.NewMemoryStore())
	conv := whaleim.P2P(u[0], u[1])
	m := sent(t, alice, whaleim.Outgoing{To: u[1], Body: "teh typo"})
	event(t, bob, "the message", func(e whaleim.MessageReceived) bool { return e.Message.Key == m.Key })

	if err := alice.Edit(context.Background(), conv, m.Key, "the typo", ""); err != nil {
		t.Fatalf("edit: %v", err)
	}
	e := event(t, bob, "the edit", func(e whaleim.Edited) bool { return e.Key == m.Key })
	if e.Body != "the typo" || e.Seq != m.Seq || e.From != u[0] || e.Conversation != conv || e.EditedAt == 0 {
		t.Errorf("edit event %+v", e)
	}
	testwait.Eventually(t, 15*time.Second, func() error {
		h, err := bob.History(context.Background(), conv, 0, 10)
		if err != nil || len(h) == 0 || h[0].Key != m.Key || h[0].Body != "the typo" || !h[0].Edited {
			return fmt.Errorf("bob's history %+v (%v), want the edited body first", h, err)
		}
		return nil
	})
	var p struct {
		DataList []struct {
			MessageKey  int64  `json:"messageKey"`
			MessageBody string `json:"messageBody"`
			EditedAt    int64  `json:"editedAt"`
		} `json:"dataList"`
	}
	mustJSON(t, restOK(t, u[1], "/v1/message/pull", map[string]any{"conversationId": conv, "maxLimit": 10}), &p)
	if len(p.DataList) != 1 || p.DataList[0].MessageBody != "the typo" || p.DataList[0].EditedAt != e.EditedAt {
		t.Errorf("bob's pull %+v, want the edited body at version %d", p.DataList, e.EditedAt)
	}

	var refused *errcode.Error
	if err := bob.Edit(context.Background(), conv, m.Key, "mine now", ""); !errors.As(err, &refused) || refused.Code != errcode.EditNotAllowed.Code {
		t.Errorf("receiver's edit: %v, want %d", err, errcode.EditNotAllowed.Code)
	}
	if err := alice.Recall(context.Background(), conv, m.Key); err != nil {
		t.Fatal(err)
	}
	testwait.Eventually(t, 15*time.Second, func() error {
		err := alice.Edit(context.Background(), conv, m.Key, "again", "")
		if !errors.As(err, &refused) || refused.Code != errcode.MessageRecalled.Code {
			return fmt.Errorf("edit after recall: %v, want %d", err, errcode.MessageRecalled.Code)
		}
		return nil
	})
}

// TestReceiveCursorForwardOnly: a receive-ACK older than the cursor, or a
// replayed one, never moves the user's delivery cursor back.
func TestReceiveCursorForwardOnly(t *testing.T) {
	u := newUsers(t, "cur", 2)
	alice, bob := u[0], u[1]
	a := connect(t, alice, 0, false, device.Android)
	b := connect(t, bob, 1, true, device.Web)
	conv := p2pConv(alice, bob)
	var acks []imclient.Ack
	for i := range 3 {
		acks = append(acks, sendOK(t, a, imclient.Message{ToID: bob, Body: fmt.Sprint("m", i)}))
	}
	ack := func(i int) {
		if err := b.ReceiveAck(payload.ReceiveAck{MessageID: acks[i].MessageID, MessageKey: acks[i].Key,
			MessageSequence: acks[i].Seq, ToID: alice}); err != nil {
			t.Fatal(err)
		}
		testwait.Eventually(t, 10*time.Second, func() error { // relayed: the domain processed it
			for _, r := range received[payload.ReceiveAck](a, command.MessageReceiveAck) {
				if r.MessageSequence == acks[i].Seq && !r.ServerSend && r.FromID == bob {
					return nil
				}
			}
			return fmt.Errorf("ACK of seq %d not relayed to alice", acks[i].Seq)
		})
	}
	cursor := func() int64 {
		var seqs []struct {
			Conversation string `json:"conversationId"`
			Receive      int64  `json:"receiveSequence"`
		}
		mustJSON(t, restOK(t, bob, "/v1/message/getMaxSequences", map[string]any{}), &seqs)
		for _, s := range seqs {
			if s.Conversation == conv {
				return s.Receive
			}
		}
		return 0
	}
	top := acks[2].Seq
	ack(2)
	testwait.Until(t, 10*time.Second, "bob's cursor at the last message", func() bool { return cursor() == top })
	ack(0) // older
	ack(2) // replayed
	ack(1) // older again
	// The domain processed all three (relayed); its REST read flushes the
	// write-behind, so the second read shows what they wrote.
	for range 2 {
		if got := cursor(); got != top {
			t.Fatalf("bob's receive cursor = %d after older and replayed ACKs, want %d", got, top)
		}
	}
}

// seqsOf is what u's history of conv holds now, oldest first.
func seqsOf(t *testing.T, u *sdkUser, conv string) []int64 {
	t.Helper()
	h, err := u.History(context.Background(), conv, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int64, len(h))
	for i, m := range h {
		out[len(h)-1-i] = m.Seq
	}
	return out
}

// TestSDKDeleteForMeAndClearHistory: a message deleted for alice leaves her
// history and sync, on her other device too (which is told), while bob
// keeps it; bob's clear empties his history, sync and unread count of the
// conversation, tells his other device, and leaves alice's untouched; new
// messages after the clear are seen as usual.
func TestSDKDeleteForMeAndClearHistory(t *testing.T) {
	u := newUsers(t, "dfm", 2)
	alice := startSDK(t, u[0], whaleim.TCP, whaleim.NewMemoryStore())
	alice2 := startSDKOn(t, u[0], whaleim.WebSocket, whaleim.NewMemoryStore(), device.Android)
	bob := startSDK(t, u[1], whaleim.WebSocket, whaleim.NewMemoryStore())
	bob2 := startSDKOn(t, u[1], whaleim.TCP, whaleim.NewMemoryStore(), device.IOS)
	conv := whaleim.P2P(u[0], u[1])
	var seqs []int64
	for i := range 3 {
		seqs = append(seqs, sent(t, alice, whaleim.Outgoing{To: u[1], Body: fmt.Sprint("m", i)}).Seq)
	}
	testwait.Until(t, 15*time.Second, "all three in both histories", func() bool {
		return len(seqsOf(t, alice, conv)) == 3 && len(seqsOf(t, bob, conv)) == 3
	})

	if err := alice.DeleteForMe(context.Background(), conv, seqs[1]); err != nil {
		t.Fatal(err)
	}
	event(t, alice2, "the delete on alice's other device", func(e whaleim.Deleted) bool {
		return e.Conversation == conv && len(e.Seqs) == 1 && e.Seqs[0] == seqs[1]
	})
	if a, b := seqsOf(t, alice, conv), seqsOf(t, bob, conv); fmt.Sprint(a) != fmt.Sprint([]int64{seqs[0], seqs[2]}) || len(b) != 3 {
		t.Errorf("after alice deleted #%d: alice's history %v, bob's %v", seqs[1], a, b)
	}
	var p struct {
		DataList []struct {
			Seq int64 `json:"messageSequence"`
		} `json:"dataList"`
	}
	mustJSON(t, restOK(t, u[0], "/v1/message/pull", map[string]any{"conversationId": conv, "maxLimit": 10}), &p)
	if len(p.DataList) != 2 {
		t.Errorf("alice's pull %+v, want the two she kept", p.DataList)
	}

	cleared, err := bob.ClearHistory(context.Background(), conv)
	if err != nil || cleared != seqs[2] {
		t.Fatalf("clear = %d, %v; want %d", cleared, err, seqs[2])
	}
	event(t, bob2, "the clear on bob's other device", func(e whaleim.Cleared) bool { return e.Conversation == conv && e.Seq == cleared })
	if b, a := seqsOf(t, bob, conv), seqsOf(t, alice, conv); len(b) != 0 || len(a) != 2 {
		t.Errorf("after bob cleared: bob's history %v, alice's %v", b, a)
	}
	type convSeq struct {
		Conversation string `json:"conversationId"`
		Cleared      int64  `json:"clearedSequence"`
		Read         int64  `json:"readSequence"`
	}
	var maxes []convSeq
	mustJSON(t, restOK(t, u[1], "/v1/message/getMaxSequences", map[string]any{}), &maxes)
	for _, m := range maxes {
		if m.Conversation == conv && (m.Cleared != cleared || m.Read < cleared) {
			t.Errorf("bob's sequences %+v, want cleared and read at %d", m, cleared)
		}
	}
	var off []struct {
		Conversation string `json:"conversationId"`
	}
	mustJSON(t, restOK(t, u[1], "/v1/message/syncOffline", map[string]any{"conversations": map[string]int64{conv: 0}}), &off)
	if len(off) != 0 {
		t.Errorf("bob's offline sync from 0 after the clear: %+v, want nothing", off)
	}
	for _, cv := range bob.Conversations() {
		if cv.ID == conv && cv.Unread != 0 {
			t.Errorf("bob's unread = %d after the clear, want 0", cv.Unread)
		}
	}

	next := sent(t, alice, whaleim.Outgoing{To: u[1], Body: "after the clear"})
	testwait.Until(t, 15*time.Second, "the new message in bob's history", func() bool {
		s := seqsOf(t, bob, conv)
		return len(s) == 1 && s[0] == next.Seq
	})
}

// TestSDKOpenConversation: a conversation opened before any message is in
// the opener's list (nothing unread) and not in the peer's; opening it
// again keeps the one row.
func TestSDKOpenConversation(t *testing.T) {
	u := newUsers(t, "opn", 2)
	alice := startSDK(t, u[0], whaleim.TCP, whaleim.NewMemoryStore())
	conv := whaleim.P2P(u[0], u[1])
	type row struct {
		ID     string `json:"conversationId"`
		Max    int64  `json:"lastMessageSequence"`
		Unread int64  `json:"unreadCount"`
	}
	list := func(user string) []row {
		var page struct {
			List []row `json:"dataList"`
		}
		mustJSON(t, restOK(t, user, "/v1/conversation/getConversationList", map[string]any{}), &page)
		return page.List
	}
	for range 2 {
		if err := alice.OpenConversation(context.Background(), conv); err != nil {
			t.Fatal(err)
		}
	}
	if got := list(u[0]); len(got) != 1 || got[0].ID != conv || got[0].Max != 0 || got[0].Unread != 0 {
		t.Errorf("alice's list %+v, want the opened conversation alone, nothing in it", got)
	}
	if got := list(u[1]); len(got) != 0 {
		t.Errorf("bob's list %+v, want none before a message", got)
	}
}
