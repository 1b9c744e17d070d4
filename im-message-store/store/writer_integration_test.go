//go:build integration

package store

import (
	"path/filepath"
	"testing"

	"gorm.io/gorm"

	"github.com/whaleim/whaleim/im-common/config"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/sqlite"
)

// writerEngines are the databases the writer runs on: MariaDB (the
// distributed platform) and SQLite (the standalone binary). One contract.
var writerEngines = []struct {
	name string
	open func(t *testing.T) *gorm.DB
}{
	{"mariadb", func(t *testing.T) *gorm.DB {
		dsn, _ := testDatabase(t)
		db, err := openMySQL(t.Context(), config.MySQL{DSN: dsn, MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { closeDB(db, testLog(t)) })
		return db
	}},
	{"sqlite", func(t *testing.T) *gorm.DB {
		db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "store.db"), 1)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { closeDB(db, testLog(t)) })
		if err := ensureTable(t.Context(), db); err != nil {
			t.Fatal(err)
		}
		if err := ensureTable(t.Context(), db); err != nil { // idempotent, as at every start
			t.Fatal(err)
		}
		return db
	}},
}

func TestWriter_Contract(t *testing.T) {
	m1, m2, m3, m5 := message(1), message(2), message(3), message(5)
	clash := message(4)
	clash.ConversationID, clash.Seq = m1.ConversationID, m1.Seq // m1's primary key, another message
	upper := m2
	upper.MessageID, upper.Seq, upper.MessageKey = "MSG-00000002", 900, 9_000_002 // m2's id in other case
	padded := m2
	padded.MessageID, padded.Seq, padded.MessageKey = m2.MessageID+" ", 901, 9_000_003
	steps := []struct {
		name string
		recs []mq.StoreRecord
		want result
	}{
		{"fresh inserts", []mq.StoreRecord{insert(m1), insert(m2)}, result{Inserted: 2}},
		{"redelivery is a duplicate", []mq.StoreRecord{insert(m1), insert(m2)}, result{Duplicates: 2}},
		{"recall of a stored message", []mq.StoreRecord{recall(m1)}, result{Recalled: 1}},
		{"recall twice changes nothing", []mq.StoreRecord{recall(m1)}, result{}},
		{"recall before its insert stores it recalled", []mq.StoreRecord{recall(m3)}, result{Inserted: 1, Recalled: 1}},
		{"the late insert is a duplicate", []mq.StoreRecord{insert(m3)}, result{Duplicates: 1}},
		{"ids compare byte for byte", []mq.StoreRecord{insert(upper), insert(padded)}, result{Inserted: 2}},
		{"a taken primary key is refused", []mq.StoreRecord{insert(clash), insert(m2)},
			result{Duplicates: 1, Refused: []refusal{{index: 0}}}},
		{"edit of a stored message", []mq.StoreRecord{edit(m2, "v20", 20)}, result{Edited: 1}},
		{"an older edit changes nothing", []mq.StoreRecord{edit(m2, "v10", 10)}, result{}},
		{"a recalled message is not edited", []mq.StoreRecord{edit(m1, "no", 30)}, result{}},
		{"edit before its insert stores it edited", []mq.StoreRecord{edit(m5, "v40", 40)}, result{Inserted: 1, Edited: 1}},
		{"the late insert after an edit is a duplicate", []mq.StoreRecord{insert(m5)}, result{Duplicates: 1}},
	}
	for _, e := range writerEngines {
		t.Run(e.name, func(t *testing.T) {
			db := e.open(t)
			w := newMySQLWriter(db)
			for _, s := range steps {
				got, err := w.Write(t.Context(), s.recs)
				if err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
				if got.Inserted != s.want.Inserted || got.Duplicates != s.want.Duplicates || got.Recalled != s.want.Recalled || got.Edited != s.want.Edited ||
					len(got.Refused) != len(s.want.Refused) {
					t.Fatalf("%s: got %+v, want %+v", s.name, got, s.want)
				}
				for i, r := range got.Refused {
					if r.index != s.want.Refused[i].index || refusalKind(r.err) != kindConflict {
						t.Errorf("%s: refusal %d = %d %v", s.name, i, r.index, r.err)
					}
				}
			}
			var recalled []string
			db.Model(&row{}).Where("recalled = ?", true).Order("message_id").Pluck("message_id", &recalled)
			if len(recalled) != 2 || recalled[0] != m1.MessageID || recalled[1] != m3.MessageID {
				t.Errorf("recalled = %q, want %s and %s", recalled, m1.MessageID, m3.MessageID)
			}
			var n int64
			db.Model(&row{}).Count(&n)
			if n != 6 {
				t.Errorf("rows = %d, want 6", n)
			}
			var edited []editedRow
			db.Where("edited > 0").Order("message_id").Find(&edited)
			if len(edited) != 2 || edited[0].Row.Body != "v20" || edited[0].Edited != 20 || edited[1].Row.Body != "v40" || edited[1].Edited != 40 {
				t.Errorf("edited rows = %+v, want m2 at v20 and m5 at v40", edited)
			}
		})
	}
}
