package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"gorm.io/gorm"
)

// TestReadsRunBesideAWrite: while a transaction holds the write slot, a
// read answers at once and a second writer waits for the slot; once the
// first commits, the second goes through.
func TestReadsRunBesideAWrite(t *testing.T) {
	g, err := Open(t.Context(), filepath.Join(t.TempDir(), "pool.db"), 4)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Exec("CREATE TABLE kv (k TEXT PRIMARY KEY, v INT)").Error; err != nil {
		t.Fatal(err)
	}
	tx := g.Begin()
	if err := tx.Exec("INSERT INTO kv VALUES ('a', 1)").Error; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	var n int64
	if err := g.WithContext(ctx).Raw("SELECT COUNT(*) FROM kv").Scan(&n).Error; err != nil || n != 0 {
		t.Fatalf("read beside the open write: %d rows, err %v (want 0, nil: the write is not committed)", n, err)
	}
	second := make(chan error, 1)
	go func() { second <- g.Exec("INSERT INTO kv VALUES ('b', 2)").Error }()
	select {
	case err := <-second:
		t.Fatalf("a second writer ran beside the transaction: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	if err := tx.Commit().Error; err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatalf("second writer after the commit: %v", err)
	}
	if err := g.Raw("SELECT COUNT(*) FROM kv").Scan(&n).Error; err != nil || n != 2 {
		t.Fatalf("%d rows, err %v, want 2", n, err)
	}
}

// TestReadsClassifiesStatements: only a SELECT skips the write slot.
func TestReadsClassifiesStatements(t *testing.T) {
	tests := map[string]bool{
		"SELECT 1": true, " \n(select * FROM t)": true, "INSERT INTO t VALUES (1) RETURNING id": false,
		"UPDATE t SET v = 1": false, "PRAGMA journal_mode": false, "WITH x AS (SELECT 1) DELETE FROM t": false, "SEL": false,
	}
	for q, want := range tests {
		if got := reads(q); got != want {
			t.Errorf("reads(%q) = %v, want %v", q, got, want)
		}
	}
}

var _ gorm.ConnPoolBeginner = (*pool)(nil)
