package messagedb_test

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-common/messagedb"
)

func TestCreateTable_DefinesEveryColumnOnce(t *testing.T) {
	for _, col := range messagedb.Columns() {
		re := regexp.MustCompile(`(?m)^  ` + col + ` +[A-Z]`)
		if n := len(re.FindAllString(messagedb.CreateTable, -1)); n != 1 {
			t.Errorf("column %s defined %d times", col, n)
		}
	}
	defs := regexp.MustCompile(`(?m)^  [a-z_]+ +[A-Z]`).FindAllString(messagedb.CreateTable, -1)
	if len(defs) != len(messagedb.Columns()) {
		t.Errorf("DDL defines %d columns, Columns() lists %d", len(defs), len(messagedb.Columns()))
	}
}

func TestCreateTable_Keys(t *testing.T) {
	tests := []struct{ name, want string }{
		{"idempotent", "CREATE TABLE IF NOT EXISTS " + messagedb.Table + " ("},
		{"primary key is the history index", "PRIMARY KEY (app_id, conversation_id, seq)"},
		{"final dedup guard", "UNIQUE KEY " + messagedb.IndexSender + " (app_id, from_id, message_id)"},
		{"server key", "UNIQUE KEY " + messagedb.IndexMessageKey + " (app_id, message_key)"},
		{"utf8mb4 byte-exact, no pad", "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"},
		{"conversation length", "conversation_id VARCHAR(200)"},
		{"body", "body            MEDIUMTEXT"},
	}
	for _, tt := range tests {
		if !strings.Contains(messagedb.CreateTable, tt.want) {
			t.Errorf("%s: DDL lacks %q", tt.name, tt.want)
		}
	}
	for _, def := range regexp.MustCompile(`(?m)^  [a-z_]+ +[A-Z].*$`).FindAllString(messagedb.CreateTable, -1) {
		if !strings.Contains(def, "NOT NULL") {
			t.Errorf("column may be NULL: %s", def)
		}
	}
}

// execer records statements; fail says which statements fail and with
// what (nil: none fails).
type execer struct {
	queries []string
	err     error
	fail    func(q string) error
}

func (e *execer) ExecContext(_ context.Context, q string, _ ...any) (sql.Result, error) {
	e.queries = append(e.queries, q)
	if e.fail != nil {
		return nil, e.fail(q)
	}
	return nil, e.err
}

func TestEnsure(t *testing.T) {
	e := &execer{}
	if err := messagedb.Ensure(t.Context(), e); err != nil || len(e.queries) != 2 || e.queries[0] != messagedb.CreateTable {
		t.Fatalf("Ensure = %v, ran %q", err, e.queries)
	}
	boom := errors.New("boom")
	e = &execer{err: boom}
	if err := messagedb.Ensure(t.Context(), e); !errors.Is(err, boom) {
		t.Fatalf("Ensure error = %v, want wrapped boom", err)
	}
}

// TestUpgrade: the edited column is added only when missing, and a failed
// add is fine when another process added it meanwhile.
func TestUpgrade(t *testing.T) {
	missing := errors.New("unknown column")
	boom := errors.New("boom")
	tests := []struct {
		name    string
		fail    func(calls int) error // by the statement's position
		wantN   int
		wantErr error
	}{
		{"present", func(int) error { return nil }, 1, nil},
		{"missing: added", func(n int) error { return map[int]error{0: missing}[n] }, 2, nil},
		{"added by another meanwhile", func(n int) error { return map[int]error{0: missing, 1: boom}[n] }, 3, nil},
		{"add fails", func(n int) error { return map[int]error{0: missing, 1: boom, 2: missing}[n] }, 3, boom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &execer{}
			e.fail = func(string) error { return tt.fail(len(e.queries) - 1) }
			err := messagedb.Upgrade(t.Context(), e)
			if len(e.queries) != tt.wantN || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("Upgrade = %v after %q, want %v after %d statements", err, e.queries, tt.wantErr, tt.wantN)
			}
		})
	}
}
