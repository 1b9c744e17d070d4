//go:build e2e

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-sdk/go/imclient"
)

// TestGroupFanOut: one send in a 200-member group reaches every online
// member device (on both gateways, TCP and WebSocket); offline members
// get it by sync.
func TestGroupFanOut(t *testing.T) {
	u := newUsers(t, "grp", 200)
	owner, members := u[0], u[1:]
	g := createGroup(t, owner, members)
	t.Logf("group %s created with %d members", g, len(u))
	sender := connect(t, owner, 0, false, device.Android)
	const online = 20
	devs := make([]*dev, online)
	for i := range devs {
		typ := device.Android
		if i%2 == 1 {
			typ = device.Web
		}
		devs[i] = connect(t, members[i], i%2, i%3 == 0, typ)
	}
	ack := send(t, sender, imclient.Message{GroupID: g, Body: "hello group"})
	if ack.Err() != nil {
		t.Fatalf("group send refused: %v", ack.Err())
	}
	start := time.Now()
	for _, d := range devs {
		testwait.Eventually(t, 10*time.Second, func() error {
			for _, m := range d.messages(command.GroupMessage) {
				if m.MessageID == ack.MessageID && m.MessageSequence == ack.Seq && m.GroupID == g && m.FromID == owner {
					return nil
				}
			}
			return fmt.Errorf("%s: group message not received", d.name)
		})
	}
	t.Logf("all %d online member devices got it within %v", online, time.Since(start).Round(time.Millisecond))
	conv := "group:" + g
	for _, m := range members[online:] {
		// The store writes MySQL after the up-ACK (the confirmed store
		// record is the durability point), so a pull may come first.
		testwait.Eventually(t, 10*time.Second, func() error {
			r := call(t, m, "/v1/message/pull", map[string]any{"conversationId": conv, "lastSequence": ack.Seq - 1, "maxLimit": 10})
			if r.Code != 200 {
				t.Fatalf("%s pull: %d %s", m, r.Code, r.Msg)
			}
			var p page
			mustJSON(t, r.Data, &p)
			if len(p.DataList) != 1 || p.DataList[0].MessageID != ack.MessageID {
				return fmt.Errorf("%s pull: %+v, want the message %s", m, p.DataList, ack.MessageID)
			}
			return nil
		})
	}
	t.Logf("all %d offline members get it by pull", len(members)-online)
}
