//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-sdk/go/imclient"
)

// recallView is the part of a history, pull or sync message a recall
// changes.
type recallView struct {
	MessageKey  int64  `json:"messageKey"`
	MessageBody string `json:"messageBody"`
	Recalled    bool   `json:"recalled"`
}

// recall sends 1050 from d and returns the 1051.
func recall(t *testing.T, d *dev, r payload.Recall) imclient.Ack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	a, err := d.Recall(ctx, r)
	if err != nil {
		t.Fatalf("%s recall: %v", d.name, err)
	}
	return a
}

// sendOK sends m from d, requires success and waits until the store wrote
// it (the tests below check history as well).
func sendOK(t *testing.T, d *dev, m imclient.Message) imclient.Ack {
	t.Helper()
	ack := send(t, d, m)
	if ack.Err() != nil {
		t.Fatalf("%s send refused: %v", d.name, ack.Err())
	}
	testwait.Eventually(t, 15*time.Second, func() error {
		if n := count(t, "SELECT COUNT(*) FROM im_message WHERE app_id=%d AND message_key=%d", cl.appID, ack.Key); n != 1 {
			return fmt.Errorf("message key %d not stored yet", ack.Key)
		}
		return nil
	})
	return ack
}

// recallNoted checks d got 1052 for the message with key.
func recallNoted(d *dev, key int64) func() error {
	return func() error {
		for _, r := range received[payload.Recall](d, command.MessageRecallNote) {
			if r.MessageKey == key {
				return nil
			}
		}
		return fmt.Errorf("%s: no 1052 for key %d", d.name, key)
	}
}

// recalledIn checks that history, pull and syncOffline, as user, show the
// message with key in conv recalled (want) or intact.
func recalledIn(t *testing.T, user, conv string, key int64, want bool) func() error {
	return func() error {
		views := map[string][]recallView{}
		var hist []recallView
		mustJSON(t, restOK(t, user, "/v1/message/history", map[string]any{"conversationId": conv, "maxLimit": 100}), &hist)
		views["history"] = hist
		var p struct {
			DataList []recallView `json:"dataList"`
		}
		mustJSON(t, restOK(t, user, "/v1/message/pull", map[string]any{"conversationId": conv, "maxLimit": 100}), &p)
		views["pull"] = p.DataList
		var pages []struct {
			ConversationID string       `json:"conversationId"`
			DataList       []recallView `json:"dataList"`
		}
		mustJSON(t, restOK(t, user, "/v1/message/syncOffline", map[string]any{"conversations": map[string]int64{conv: 0}}), &pages)
		for _, pg := range pages {
			if pg.ConversationID == conv {
				views["syncOffline"] = pg.DataList
			}
		}
		for api, list := range views {
			if err := checkRecalled(list, key, want); err != nil {
				return fmt.Errorf("%s as %s: %w", api, user, err)
			}
		}
		return nil
	}
}

func checkRecalled(list []recallView, key int64, want bool) error {
	for _, v := range list {
		if v.MessageKey != key {
			continue
		}
		if v.Recalled != want || (v.MessageBody == "") != want {
			return fmt.Errorf("key %d: recalled=%v body=%q, want recalled=%v", key, v.Recalled, v.MessageBody, want)
		}
		return nil
	}
	return fmt.Errorf("key %d missing", key)
}

// restOK calls path as user, requires code 200 and returns data.
func restOK(t *testing.T, user, path string, body any) []byte {
	t.Helper()
	r := call(t, user, path, body)
	if r.Code != 200 {
		t.Fatalf("%s as %s: %d %s", path, user, r.Code, r.Msg)
	}
	return r.Data
}

// TestRecallP2P: within the window the sender recalls a 1:1 message: 1051
// to the calling device, 1052 to the peer and the sender's other device;
// the receiver and an outsider are refused; history, pull and sync show it
// recalled.
func TestRecallP2P(t *testing.T) {
	u := newUsers(t, "rcp", 3)
	alice, bob, carol := u[0], u[1], u[2]
	a1 := connect(t, alice, 0, false, device.Android)
	a2 := connect(t, alice, 1, true, device.Web)
	b1 := connect(t, bob, 1, false, device.Android)
	c1 := connect(t, carol, 0, true, device.Web)
	ack := sendOK(t, a1, imclient.Message{ToID: bob, Body: "oops"})
	conv := p2pConv(alice, bob)

	refusals := []struct {
		name string
		d    *dev
		r    payload.Recall
		want *errcode.Error
	}{
		{"receiver", b1, payload.Recall{MessageKey: ack.Key, ToID: alice}, errcode.RecallNotAllowed},
		{"outsider", c1, payload.Recall{MessageKey: ack.Key, ToID: alice}, errcode.MessageNotFound},
	}
	for _, tc := range refusals {
		if got := recall(t, tc.d, tc.r); got.Code != tc.want.Code {
			t.Fatalf("%s recall: code %d %s, want %d", tc.name, got.Code, got.Msg, tc.want.Code)
		}
	}
	testwait.Never(t, time.Second, recalledIn(t, bob, conv, ack.Key, false))
	t.Log("receiver refused with 6002, outsider with 6000; message intact")

	got := recall(t, a1, payload.Recall{MessageKey: ack.Key, ToID: bob})
	if got.Err() != nil || got.Key != ack.Key || got.MessageID == "" {
		t.Fatalf("sender recall: %+v", got)
	}
	for _, d := range []*dev{b1, a2} {
		testwait.Eventually(t, 10*time.Second, recallNoted(d, ack.Key))
	}
	for _, user := range []string{alice, bob} {
		testwait.Eventually(t, 15*time.Second, recalledIn(t, user, conv, ack.Key, true))
	}
	if recallNoted(a1, ack.Key)() == nil || recallNoted(c1, ack.Key)() == nil {
		t.Fatal("1052 reached the calling device or an outsider")
	}
	if again := recall(t, a1, payload.Recall{MessageKey: ack.Key, ToID: bob}); again.Err() != nil {
		t.Fatalf("second recall: %v", again.Err())
	}
	t.Log("sender recall: 1051 ok, 1052 on bob and alice's other device, history/pull/sync show it recalled")
}

// TestRecallGroup: a plain member cannot recall another's message; a
// manager and the owner can, the sender can recall its own; every other
// member device gets 1052.
func TestRecallGroup(t *testing.T) {
	u := newUsers(t, "rcg", 4)
	owner, manager, sender, other := u[0], u[1], u[2], u[3]
	g := createGroup(t, owner, []string{manager, sender, other})
	admin(t, "/v1/group/member/update", map[string]any{"operater": owner, "groupId": g, "memberId": manager, "role": 1}, nil)
	devs := map[string]*dev{}
	for i, id := range u {
		devs[id] = connect(t, id, i%2, i%2 == 0, device.Android)
	}
	conv := "group:" + g
	msgs := make([]imclient.Ack, 3)
	for i := range msgs {
		msgs[i] = sendOK(t, devs[sender], imclient.Message{GroupID: g, Body: fmt.Sprint("group oops ", i)})
	}
	if a := recall(t, devs[other], payload.Recall{MessageKey: msgs[0].Key, GroupID: g}); a.Code != errcode.RecallNotAllowed.Code {
		t.Fatalf("plain member recall: code %d %s, want %d", a.Code, a.Msg, errcode.RecallNotAllowed.Code)
	}
	testwait.Never(t, time.Second, recalledIn(t, owner, conv, msgs[0].Key, false))
	t.Log("plain member refused with 6002")

	for i, caller := range []string{manager, owner, sender} {
		key := msgs[i].Key
		if a := recall(t, devs[caller], payload.Recall{MessageKey: key, GroupID: g}); a.Err() != nil {
			t.Fatalf("recall by %s: %v", caller, a.Err())
		}
		for _, id := range u {
			if id != caller {
				testwait.Eventually(t, 10*time.Second, recallNoted(devs[id], key))
			}
		}
		testwait.Eventually(t, 15*time.Second, recalledIn(t, other, conv, key, true))
	}
	t.Log("manager, owner and sender recalls: 1052 on every other member, recalled in history/pull/sync")
}

// TestRecallRightAfterSend: regression for a recall sent right after the
// up-ACK, before the store wrote the message, refused with 6000 (16 of 20
// pairs failed): every immediate send-then-recall succeeds and history
// shows all of them recalled once the store caught up.
func TestRecallRightAfterSend(t *testing.T) {
	u := newUsers(t, "rcn", 3)
	alice, bob, carol := u[0], u[1], u[2]
	g := createGroup(t, alice, []string{bob, carol})
	a1 := connect(t, alice, 0, false, device.Android)
	const pairs = 20
	var keys []int64
	for i := range pairs {
		m := imclient.Message{ToID: bob, Body: fmt.Sprint("oops ", i)}
		if i%2 == 1 {
			m = imclient.Message{GroupID: g, Body: fmt.Sprint("group oops ", i)}
		}
		ack := send(t, a1, m)
		if ack.Err() != nil {
			t.Fatalf("send %d refused: %v", i, ack.Err())
		}
		r := recall(t, a1, payload.Recall{MessageKey: ack.Key, ToID: m.ToID, GroupID: m.GroupID})
		if r.Err() != nil || r.Key != ack.Key {
			t.Fatalf("immediate recall %d of %d: %+v (%v)", i+1, pairs, r, r.Err())
		}
		keys = append(keys, ack.Key)
	}
	t.Logf("%d of %d immediate recalls accepted", pairs, pairs)
	for i, key := range keys {
		conv := p2pConv(alice, bob)
		if i%2 == 1 {
			conv = "group:" + g
		}
		testwait.Eventually(t, 20*time.Second, recalledIn(t, bob, conv, key, true))
	}
	t.Log("history, pull and sync show all of them recalled")
}
