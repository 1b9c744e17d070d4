//go:build e2e

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-sdk/go/imclient"
)

// readBy asks "read by N of M" for a group message, as user.
func readBy(t *testing.T, user, group string, seq int64) (n, m int) {
	t.Helper()
	var out struct {
		ReadCount   int `json:"readCount"`
		MemberCount int `json:"memberCount"`
	}
	mustJSON(t, restOK(t, user, "/v1/message/groupReadCount", map[string]any{"groupId": group, "messageSequence": seq}), &out)
	return out.ReadCount, out.MemberCount
}

// gotRead checks d got cmd from reader for seq.
func gotRead(d *dev, cmd command.Code, reader string, seq int64) func() error {
	return func() error {
		for _, r := range received[payload.Read](d, cmd) {
			if r.FromID == reader && r.MessageSequence == seq {
				return nil
			}
		}
		return fmt.Errorf("%s: no %v from %s for seq %d", d.name, cmd, reader, seq)
	}
}

// TestGroupReadReceipts: a member reading a group message (2106) notifies
// its other devices (2053) and the message's sender (2054): the server picks
// the receiver, whatever toId the reader sends (regression: a client could
// push 2054 to any user, and none without a toId). "Read by N of M": M is
// the members other than the sender, N those of them whose read position
// (one for 2106 and REST readConversation alike) reached the seq.
func TestGroupReadReceipts(t *testing.T) {
	u := newUsers(t, "rr", 4)
	owner, r1, r2, idle := u[0], u[1], u[2], u[3]
	g := createGroup(t, owner, []string{r1, r2, idle})
	o1 := connect(t, owner, 0, false, device.Android)
	r1a := connect(t, r1, 0, true, device.Web)
	r1b := connect(t, r1, 1, false, device.Android)
	r2a := connect(t, r2, 1, true, device.Web)
	i1 := connect(t, idle, 0, true, device.Web)
	ack := send(t, o1, imclient.Message{GroupID: g, Body: "please read"}) // reads may overtake the store
	if ack.Err() != nil {
		t.Fatal(ack.Err())
	}
	if n, m := readBy(t, owner, g, ack.Seq); n != 0 || m != 3 {
		t.Fatalf("before reads: read by %d of %d, want 0 of 3", n, m)
	}

	// r1 names idle in toId, r2 names nobody: both receipts go to the sender.
	for i, rd := range []struct {
		d    *dev
		toID string
	}{{r1a, idle}, {r2a, ""}} {
		if err := rd.d.Read(payload.Read{GroupID: g, ToID: rd.toID, MessageSequence: ack.Seq}); err != nil {
			t.Fatal(err)
		}
		testwait.Eventually(t, 10*time.Second, gotRead(o1, command.GroupReadReceipt, rd.d.user, ack.Seq))
		testwait.Eventually(t, 10*time.Second, func() error {
			if n, m := readBy(t, idle, g, ack.Seq); n != i+1 || m != 3 {
				return fmt.Errorf("read by %d of %d, want %d of 3", n, m, i+1)
			}
			return nil
		})
	}
	testwait.Eventually(t, 10*time.Second, gotRead(r1b, command.GroupReadNotify, r1, ack.Seq))
	if gotRead(r1a, command.GroupReadNotify, r1, ack.Seq)() == nil {
		t.Fatal("the reading device got its own 2053")
	}
	for _, d := range []*dev{i1, r2a} {
		if gotRead(d, command.GroupReadReceipt, r1, ack.Seq)() == nil {
			t.Fatalf("%s, not the sender, got r1's 2054", d.name)
		}
	}
	t.Log("2106: 2053 on the reader's other device, 2054 to the sender whatever the toId; read by 2 of 3")

	restOK(t, idle, "/v1/conversation/readConversation", map[string]any{"conversationId": "group:" + g, "readSequence": ack.Seq})
	if n, m := readBy(t, r1, g, ack.Seq); n != 3 || m != 3 {
		t.Fatalf("after a REST read: read by %d of %d, want 3 of 3", n, m)
	}
	if r := call(t, owner, "/v1/message/groupReadCount", map[string]any{"groupId": g, "messageSequence": ack.Seq + 1}); r.Code != 6000 {
		t.Fatalf("seq without a message: code %d %s, want 6000", r.Code, r.Msg)
	}
	t.Log("a REST readConversation counts too: read by 3 of 3")
}
