package sqlite

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestTranslate(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
		err      error
	}{
		{"create with keys, comments and options", "CREATE TABLE IF NOT EXISTS t (\n" +
			"\tid BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,\n" +
			"\tapp_id INT UNSIGNED NOT NULL COMMENT 'the app, it''s',\n" +
			"\tname VARCHAR(64) NOT NULL DEFAULT '',\n" +
			"\tUNIQUE KEY uk_t (app_id, name),\n" +
			"\tKEY idx_t (name)\n" +
			") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin",
			[]string{"CREATE TABLE IF NOT EXISTS t (\n\tid INTEGER PRIMARY KEY AUTOINCREMENT,\n\tapp_id INT UNSIGNED NOT NULL,\n\tname VARCHAR(64) NOT NULL DEFAULT ''\n)",
				"CREATE UNIQUE INDEX IF NOT EXISTS uk_t ON t (app_id, name)",
				"CREATE INDEX IF NOT EXISTS idx_t ON t (name)"}, nil},
		{"collation change is nothing", "ALTER TABLE users CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin", nil, nil},
		{"added columns one by one", "ALTER TABLE apps\n\tADD COLUMN IF NOT EXISTS a INT NOT NULL DEFAULT 0 COMMENT 'x',\n\tADD COLUMN IF NOT EXISTS b CHAR(64) NOT NULL DEFAULT ''",
			[]string{"ALTER TABLE apps ADD COLUMN a INT NOT NULL DEFAULT 0", "ALTER TABLE apps ADD COLUMN b CHAR(64) NOT NULL DEFAULT ''"}, nil},
		{"an auto-increment it cannot keep", "CREATE TABLE t (\n\tn INT NOT NULL AUTO_INCREMENT\n)", nil, ErrUntranslatable},
		{"anything else", "UPDATE a JOIN b SET a.x = b.x", nil, ErrUntranslatable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Translate(tt.in)
			if !errors.Is(err, tt.err) || !slices.Equal(got, tt.want) {
				t.Errorf("Translate = %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestTupleIn(t *testing.T) {
	tests := []struct {
		cols   string
		tuples [][]any
		want   string
	}{
		{"a", nil, "1 = 0"},
		{"a, b", [][]any{{1, "x"}}, "(a = ? AND b = ?)"},
		{"a, b", [][]any{{1, "x"}, {2, "y"}}, "((a = ? AND b = ?) OR (a = ? AND b = ?))"},
		{"a", [][]any{{1}, {2}, {3}}, "((a = ?) OR ((a = ?) OR (a = ?)))"},
	}
	for _, tt := range tests {
		cond, args := TupleIn(tt.cols, tt.tuples)
		var want []any
		for _, tu := range tt.tuples {
			want = append(want, tu...)
		}
		if cond != tt.want || !slices.Equal(args, want) {
			t.Errorf("TupleIn(%q, %v) = %q %v, want %q", tt.cols, tt.tuples, cond, args, tt.want)
		}
	}
}

// TestTupleInSeeksTheWholeKey: SQLite plans the condition as one seek on the
// full unique key per tuple (a row-value IN seeked on the first column and
// scanned the rest), and a long list stays within SQLite's depth limit.
func TestTupleInSeeksTheWholeKey(t *testing.T) {
	g, err := Open(t.Context(), filepath.Join(t.TempDir(), "plan.db"), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"CREATE TABLE m (id INTEGER PRIMARY KEY, app_id INT, from_id TEXT, message_id TEXT)",
		"CREATE UNIQUE INDEX uk ON m (app_id, from_id, message_id)", "INSERT INTO m VALUES (1, 7, 'a', 'x')"} {
		if err := g.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	cond, args := TupleIn("app_id, from_id, message_id", [][]any{{7, "a", "x"}, {7, "b", "y"}})
	rows, err := g.Raw("EXPLAIN QUERY PLAN SELECT id FROM m WHERE "+cond, args...).Rows()
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	_ = rows.Close()
	seek := func(d string) bool { return strings.HasSuffix(d, "INDEX uk (app_id=? AND from_id=? AND message_id=?)") }
	if !slices.ContainsFunc(plan, seek) || slices.ContainsFunc(plan, func(d string) bool { return strings.HasPrefix(d, "SCAN m") }) {
		t.Errorf("plan %q: want a seek on the whole key per tuple", plan)
	}
	many := make([][]any, 1100) // a chain of 1,100 ORs would pass the depth limit
	for i := range many {
		many[i] = []any{7, "a", fmt.Sprint("m", i)}
	}
	many[1034][2] = "x"
	cond, args = TupleIn("app_id, from_id, message_id", many)
	var ids []int
	if err := g.Raw("SELECT id FROM m WHERE "+cond, args...).Scan(&ids).Error; err != nil || !slices.Equal(ids, []int{1}) {
		t.Errorf("1,100 tuples: ids %v, err %v", ids, err)
	}
}
