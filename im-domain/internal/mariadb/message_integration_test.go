//go:build integration

package mariadb_test

import (
	"testing"

	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/mariadb"
	"github.com/whaleim/whaleim/im-domain/internal/message"
)

// Migration 404 folds the message core's former read cursor into
// conversations.read_seq (forward only) and drops it: one read position.
func TestMigration404_OneReadPosition(t *testing.T) {
	db := open(t) // MySQL DDL: the migration from the older schema exists on MariaDB only
	app := apitest.RandomAppID()
	exec := func(sql string, args ...any) {
		t.Helper()
		if err := db.Gorm.Exec(sql, args...).Error; err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	// Back to the schema before 404, with data in both read positions.
	exec(`ALTER TABLE im_message_user_conv ADD COLUMN read_seq BIGINT NOT NULL DEFAULT 0,
		ADD KEY idx_im_message_user_conv_read (app_id, conversation_id, read_seq)`)
	exec("DELETE FROM schema_migrations WHERE version = 404")
	for _, r := range []struct {
		owner         string
		convRead, old int64
	}{{"alice", 2, 5}, {"bob", 7, 3}, {"Carol", 0, 4}} {
		exec(`INSERT INTO conversations (app_id, owner_id, conversation_id, conversation_type, peer_id, read_seq, max_seq,
			sequence, created_at, updated_at) VALUES (?, ?, 'group:g', 1, 'g', ?, 9, 1, 0, 0)`, app, r.owner, r.convRead)
		exec("INSERT INTO im_message_user_conv (app_id, user_id, conversation_id, read_seq) VALUES (?, ?, 'group:g', ?)", app, r.owner, r.old)
	}
	exec("INSERT INTO im_message_user_conv (app_id, user_id, conversation_id, read_seq) VALUES (?, 'carol', 'group:g', 8)", app)
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		OwnerID string
		ReadSeq int64
	}
	db.Gorm.Raw("SELECT owner_id, read_seq FROM conversations WHERE app_id = ? ORDER BY owner_id", app).Scan(&rows)
	want := map[string]int64{"alice": 5, "bob": 7, "Carol": 4} // ids are case-sensitive: carol's 8 is not Carol's
	for _, r := range rows {
		if want[r.OwnerID] != r.ReadSeq {
			t.Errorf("%s read_seq = %d, want %d", r.OwnerID, r.ReadSeq, want[r.OwnerID])
		}
	}
	var cols int
	db.Gorm.Raw(`SELECT COUNT(*) FROM information_schema.COLUMNS WHERE table_schema = DATABASE()
		AND table_name = 'im_message_user_conv' AND column_name = 'read_seq'`).Scan(&cols)
	if len(rows) != 3 || cols != 0 {
		t.Fatalf("rows %+v, read_seq columns left %d", rows, cols)
	}
}

// StoredAll finds stored messages by sender key, byte for byte, in one
// query for many keys.
func TestStoredAll_BySenderKey(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *mariadb.DB) {
		app := apitest.RandomAppID()
		for i, id := range []string{"m1", "m2"} {
			err := db.Gorm.Exec(`INSERT INTO im_message (app_id, kind, conversation_id, from_id, to_id, group_id, message_id,
			message_key, seq, body, extra, message_time, recalled, created_at) VALUES (?, 'p2p', 'p2p:a:b', 'a', 'b', '', ?, ?, ?, 'x', '', 5, 0, 5)`,
				app, id, int64(app)*10+int64(i), i+1).Error
			if err != nil {
				t.Fatal(err)
			}
		}
		keys := []message.SenderKey{{AppID: app, FromID: "a", MessageID: "m2"}, {AppID: app, FromID: "a", MessageID: "M1"},
			{AppID: app, FromID: "b", MessageID: "m1"}, {AppID: app, FromID: "a", MessageID: "m1"}}
		got, err := db.StoredAll(t.Context(), keys)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[keys[0]].Seq != 2 || got[keys[3]].Seq != 1 {
			t.Fatalf("stored %+v", got)
		}
	})
}
