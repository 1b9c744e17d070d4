package sqlite

import (
	"errors"
	"slices"
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
	cond, args := TupleIn("a, b", [][]any{{1, "x"}, {2, "y"}})
	if cond != "(a, b) IN (VALUES (?, ?), (?, ?))" || !slices.Equal(args, []any{1, "x", 2, "y"}) {
		t.Errorf("TupleIn = %q %v", cond, args)
	}
	if cond, args := TupleIn("a", nil); cond != "1 = 0" || args != nil {
		t.Errorf("empty TupleIn = %q %v", cond, args)
	}
}
