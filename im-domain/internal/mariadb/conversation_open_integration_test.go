//go:build integration

package mariadb_test

import (
	"testing"

	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/conversation"
	"github.com/whaleim/whaleim/im-domain/internal/mariadb"
)

// A conversation opened before its first message gets a row and a sync
// sequence once; opening it again returns the row unchanged, hidden or not.
func TestCreateConversation(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *mariadb.DB) {
		app := apitest.RandomAppID()
		ctx := t.Context()
		c := conversation.Conversation{ConversationID: "p2p:alice:bob", Type: conversation.P2P, OwnerID: "alice", PeerID: "bob"}
		got, created, err := db.CreateConversation(ctx, app, c)
		if err != nil || !created || got.Sequence != 1 || got.MaxSeq != 0 || got.PeerID != "bob" {
			t.Fatalf("first open = %+v, %v, %v; want a new row at sequence 1", got, created, err)
		}
		if _, _, err := db.UpdateConversation(ctx, app, "alice", c.ConversationID, func(c *conversation.Conversation) bool {
			c.Deleted = 1
			return true
		}); err != nil {
			t.Fatal(err)
		}
		again, created, err := db.CreateConversation(ctx, app, c)
		if err != nil || created || again.Sequence != 2 || again.Deleted != 1 {
			t.Errorf("second open = %+v, %v, %v; want the hidden row at sequence 2, unchanged", again, created, err)
		}
		if mark, err := db.MaxConversationSequence(ctx, app, "alice"); err != nil || mark != 2 {
			t.Errorf("alice's mark = %d, %v; want 2 (the second open took no sequence)", mark, err)
		}
		if rows, err := db.ConversationsAfter(ctx, app, "bob", 0, 10); err != nil || len(rows) != 0 {
			t.Errorf("bob's rows %+v, %v; want none: opening is per owner", rows, err)
		}
	})
}
