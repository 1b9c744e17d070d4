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
// its other devices (2053) and the sender (2054); "read by N of M" counts
// the readers among the current members.
func TestGroupReadReceipts(t *testing.T) {
	u := newUsers(t, "rr", 4)
	owner, r1, r2, idle := u[0], u[1], u[2], u[3]
	g := createGroup(t, owner, []string{r1, r2, idle})
	o1 := connect(t, owner, 0, false, device.Android)
	r1a := connect(t, r1, 0, true, device.Web)
	r1b := connect(t, r1, 1, false, device.Android)
	r2a := connect(t, r2, 1, true, device.Web)
	ack := sendOK(t, o1, imclient.Message{GroupID: g, Body: "please read"})
	if n, m := readBy(t, owner, g, ack.Seq); n != 0 || m != 4 {
		t.Fatalf("before reads: read by %d of %d, want 0 of 4", n, m)
	}

	// The reader names the message's sender in toId: the receipt goes there.
	for i, rd := range []*dev{r1a, r2a} {
		if err := rd.Read(payload.Read{GroupID: g, ToID: owner, MessageSequence: ack.Seq}); err != nil {
			t.Fatal(err)
		}
		testwait.Eventually(t, 10*time.Second, gotRead(o1, command.GroupReadReceipt, rd.user, ack.Seq))
		testwait.Eventually(t, 10*time.Second, func() error {
			if n, m := readBy(t, idle, g, ack.Seq); n != i+1 || m != 4 {
				return fmt.Errorf("read by %d of %d, want %d of 4", n, m, i+1)
			}
			return nil
		})
	}
	testwait.Eventually(t, 10*time.Second, gotRead(r1b, command.GroupReadNotify, r1, ack.Seq))
	if gotRead(r1a, command.GroupReadNotify, r1, ack.Seq)() == nil {
		t.Fatal("the reading device got its own 2053")
	}
	if gotRead(r2a, command.GroupReadReceipt, r1, ack.Seq)() == nil {
		t.Fatal("a member who is not the sender got r1's 2054")
	}
	if n, m := readBy(t, owner, g, ack.Seq+1); n != 0 || m != 4 {
		t.Fatalf("later seq: read by %d of %d, want 0 of 4", n, m)
	}
	t.Log("2106: 2053 on the reader's other device, 2054 to the sender; read by 2 of 4")
}
