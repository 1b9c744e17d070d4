//go:build e2e

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-sdk/go/imclient"
)

// convRow is one row of getConversationList.
type convRow struct {
	ConversationID string `json:"conversationId"`
	ReadSeq        int64  `json:"readSequence"`
	MaxSeq         int64  `json:"lastMessageSequence"`
	Unread         int64  `json:"unreadCount"`
	Deleted        int    `json:"isDeleted"`
	Last           struct {
		MessageKey int64  `json:"messageKey,string"`
		FromID     string `json:"fromId"`
		Preview    string `json:"preview"`
	} `json:"lastMessage"`
}

// convOf returns owner's listed row of conv, and false when it is not listed.
func convOf(t *testing.T, owner, conv string) (convRow, bool) {
	t.Helper()
	var list struct {
		DataList []convRow `json:"dataList"`
	}
	mustJSON(t, restOK(t, owner, "/v1/conversation/getConversationList", map[string]any{}), &list)
	for _, c := range list.DataList {
		if c.ConversationID == conv {
			return c, true
		}
	}
	return convRow{}, false
}

// convIs checks owner's row of conv shows last as its newest message with
// unread messages.
func convIs(t *testing.T, owner, conv string, last imclient.Ack, from, body string, unread int64) func() error {
	return func() error {
		c, ok := convOf(t, owner, conv)
		switch {
		case !ok:
			return fmt.Errorf("%s: %s not listed", owner, conv)
		case c.MaxSeq != last.Seq || c.Last.MessageKey != last.Key || c.Last.FromID != from || c.Last.Preview != body:
			return fmt.Errorf("%s: %s = %+v, want max seq %d, last key %d from %s %q", owner, conv, c, last.Seq, last.Key, from, body)
		case c.Unread != c.MaxSeq-c.ReadSeq || c.Unread != unread:
			return fmt.Errorf("%s: %s unread %d (max %d read %d), want %d", owner, conv, c.Unread, c.MaxSeq, c.ReadSeq, unread)
		}
		return nil
	}
}

// TestConversationsFollowMessages: 1:1 and group messages update the
// receiver's conversation list (last message, max seq, unread); a read
// (1106/2106) lowers unread; a deleted conversation is hidden until the
// next message.
func TestConversationsFollowMessages(t *testing.T) {
	u := newUsers(t, "cv", 3)
	alice, bob, carol := u[0], u[1], u[2]
	g := createGroup(t, carol, []string{alice, bob})
	a1 := connect(t, alice, 0, false, device.Android)
	b1 := connect(t, bob, 1, true, device.Web)
	c1 := connect(t, carol, 1, false, device.Android)
	p2p, grp := p2pConv(alice, bob), "group:"+g

	var acks []imclient.Ack
	for i := range 3 {
		acks = append(acks, send(t, a1, imclient.Message{ToID: bob, Body: fmt.Sprint("hi bob ", i)}))
	}
	gacks := []imclient.Ack{send(t, c1, imclient.Message{GroupID: g, Body: "hi all 0"}), send(t, c1, imclient.Message{GroupID: g, Body: "hi all 1"})}
	testwait.Eventually(t, 10*time.Second, convIs(t, bob, p2p, acks[2], alice, "hi bob 2", 3))
	testwait.Eventually(t, 10*time.Second, convIs(t, bob, grp, gacks[1], carol, "hi all 1", 2))
	// Regression: the sender's own messages showed as unread in its list.
	testwait.Eventually(t, 10*time.Second, convIs(t, alice, p2p, acks[2], alice, "hi bob 2", 0))
	testwait.Eventually(t, 10*time.Second, convIs(t, carol, grp, gacks[1], carol, "hi all 1", 0))
	t.Log("1:1 and group rows: last message, max seq, unread = max - read; own messages are read")

	if err := b1.Read(payload.Read{ToID: alice, MessageSequence: acks[1].Seq}); err != nil {
		t.Fatal(err)
	}
	testwait.Eventually(t, 10*time.Second, convIs(t, bob, p2p, acks[2], alice, "hi bob 2", 1))
	if err := b1.Read(payload.Read{GroupID: g, ToID: carol, MessageSequence: gacks[1].Seq}); err != nil {
		t.Fatal(err)
	}
	testwait.Eventually(t, 10*time.Second, convIs(t, bob, grp, gacks[1], carol, "hi all 1", 0))
	t.Log("1106 and 2106 lower unread")

	restOK(t, bob, "/v1/conversation/deleteConversation", map[string]any{"conversationId": p2p})
	if _, ok := convOf(t, bob, p2p); ok {
		t.Fatal("deleted conversation still listed")
	}
	testwait.Never(t, time.Second, func() error {
		if _, ok := convOf(t, bob, p2p); ok {
			return fmt.Errorf("deleted conversation listed again without a message")
		}
		return nil
	})
	next := send(t, a1, imclient.Message{ToID: bob, Body: "are you there"})
	testwait.Eventually(t, 10*time.Second, convIs(t, bob, p2p, next, alice, "are you there", 1))
	t.Log("deleted conversation hidden; back with unread 1 after the next message")
}
