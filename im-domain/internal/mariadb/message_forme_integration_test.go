//go:build integration

package mariadb_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/mariadb"
	"github.com/whaleim/whaleim/im-domain/internal/message"
)

// Hidden messages are per user and idempotent; the cleared mark and the
// receive cursor only move forward (an older or replayed value changes
// nothing).
func TestHiddenAndForwardCursors(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *mariadb.DB) {
		app := apitest.RandomAppID()
		ctx := t.Context()
		conv := "p2p:alice:bob"
		for _, seqs := range [][]int64{{2, 5}, {5, 7}} { // 5 twice
			if err := db.Hide(ctx, app, "alice", conv, seqs); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.Hidden(ctx, app, "alice", conv, 3, 7)
		if err != nil || !slices.Equal(slices.Sorted(maps.Keys(got)), []int64{5, 7}) {
			t.Errorf("alice's hidden in [3, 7] = %v, %v; want 5 and 7", got, err)
		}
		if got, err := db.Hidden(ctx, app, "bob", conv, 0, 10); err != nil || len(got) != 0 {
			t.Errorf("bob's hidden = %v, %v; want none", got, err)
		}
		for _, step := range []struct {
			c   message.Cursor
			seq int64
		}{{message.CursorCleared, 6}, {message.CursorCleared, 3}, {message.CursorReceive, 9}, {message.CursorReceive, 4}, {message.CursorReceive, 9}} {
			if err := db.Forward(ctx, app, "alice", conv, step.c, step.seq); err != nil {
				t.Fatal(err)
			}
		}
		cs, err := db.Cursors(ctx, app, "alice")
		if err != nil || len(cs) != 1 || cs[0].ClearedSeq != 6 || cs[0].ReceiveSeq != 9 {
			t.Errorf("alice's cursors %+v, %v; want cleared 6 and received 9", cs, err)
		}
	})
}
