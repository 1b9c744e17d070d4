//go:build e2e

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-sdk/go/imclient"
)

// createGroup creates a public group owned by owner with members, as the admin.
func createGroup(t *testing.T, owner string, members []string) string {
	t.Helper()
	id := "g_" + randHex(4)
	for from := 0; from < len(members); from += 100 {
		var ms []map[string]any
		for _, m := range members[from:min(from+100, len(members))] {
			ms = append(ms, map[string]any{"memberId": m})
		}
		if from == 0 {
			admin(t, "/v1/group/createGroup", map[string]any{"operater": owner, "groupId": id, "ownerId": owner,
				"groupType": 2, "groupName": "e2e " + id, "applyJoinType": 2, "member": ms}, nil)
			continue
		}
		admin(t, "/v1/group/member/add", map[string]any{"operater": owner, "groupId": id,
			"members": members[from:min(from+100, len(members))]}, nil)
	}
	return id
}

// TestRefusals: forged sender, non-member, muted member and blocked sender
// are refused with their documented codes; nothing is stored or delivered.
func TestRefusals(t *testing.T) {
	u := newUsers(t, "ref", 4)
	owner, member, outsider, peer := u[0], u[1], u[2], u[3]
	g := createGroup(t, owner, []string{member, peer})
	admin(t, "/v1/group/member/speak", map[string]any{"operater": owner, "groupId": g, "memberId": member, "speakDate": 600000}, nil)
	admin(t, "/v1/friendship/addBlack", map[string]any{"fromId": peer, "toId": outsider}, nil)

	dm := connect(t, member, 0, false, device.Android)
	do := connect(t, outsider, 1, true, device.Web)
	peerDev := connect(t, peer, 1, false, device.Android)
	ownerDev := connect(t, owner, 0, true, device.Web)

	tests := []struct {
		name string
		from *dev
		msg  imclient.Message
		want *errcode.Error
	}{
		{"forged fromId", do, imclient.Message{FromID: member, ToID: peer}, errcode.SenderMismatch},
		{"non-member to group", do, imclient.Message{GroupID: g}, errcode.NotGroupMember},
		{"muted member to group", dm, imclient.Message{GroupID: g}, errcode.MemberMuted},
		{"blocked sender", do, imclient.Message{ToID: peer}, errcode.Blocked},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.msg.MessageID, tc.msg.Body = imclient.NewMessageID(), "must not arrive"
			ack := send(t, tc.from, tc.msg)
			if ack.Code != tc.want.Code || ack.MessageID != tc.msg.MessageID {
				t.Fatalf("ack = %+v, want code %d (%s)", ack, tc.want.Code, tc.want.Message)
			}
			testwait.Never(t, 1500*time.Millisecond, func() error {
				if n := count(t, "SELECT COUNT(*) FROM im_message WHERE app_id=%d AND message_id='%s'", cl.appID, tc.msg.MessageID); n != 0 {
					return fmt.Errorf("%d rows stored", n)
				}
				for _, d := range []*dev{peerDev, ownerDev, dm} {
					for _, cmd := range []command.Code{command.MessageP2P, command.GroupMessage} {
						for _, m := range d.messages(cmd) {
							if m.MessageID == tc.msg.MessageID {
								return fmt.Errorf("%s received the refused message", d.name)
							}
						}
					}
				}
				return nil
			})
			t.Logf("refused with %d, not stored, not delivered", ack.Code)
		})
	}
	// The control: the same paths work for an allowed sender.
	if ack := send(t, ownerDev, imclient.Message{GroupID: g, Body: "allowed"}); ack.Err() != nil {
		t.Fatalf("owner send refused: %v", ack.Err())
	}
}
