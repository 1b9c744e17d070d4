//go:build integration

package mysqldb_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/whaleim/whaleim/im-common/mysqldb"
)

func TestEnsureDatabase_CreatesOnceAndIsIdempotent(t *testing.T) {
	cfg, err := mysql.ParseDSN(testDSN())
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	rand.Read(b)
	cfg.DBName = "im_ensure_" + hex.EncodeToString(b)
	for range 2 {
		if err := mysqldb.EnsureDatabase(t.Context(), cfg.FormatDSN()); err != nil {
			t.Fatalf("EnsureDatabase: %v", err)
		}
	}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t.Cleanup(func() { db.Exec("DROP DATABASE `" + cfg.DBName + "`") })
	var charset string
	if err := db.QueryRow("SELECT @@character_set_database").Scan(&charset); err != nil {
		t.Fatalf("database not usable: %v", err)
	}
	if !strings.HasPrefix(charset, "utf8mb4") {
		t.Errorf("charset = %s, want utf8mb4", charset)
	}
}

func TestEnsureDatabase_RejectsBadInput(t *testing.T) {
	for _, dsn := range []string{"not a dsn", "root:@tcp(127.0.0.1:3306)/bad`name"} {
		if err := mysqldb.EnsureDatabase(t.Context(), dsn); err == nil {
			t.Errorf("EnsureDatabase(%q) = nil, want an error", dsn)
		}
	}
}

// TestTune_NoServerSidePrepare runs statements with arguments through a
// tuned DSN on one connection and checks that the server prepared none:
// without interpolation each would be a PREPARE, EXECUTE and CLOSE.
func TestTune_NoServerSidePrepare(t *testing.T) {
	raw, err := mysql.ParseDSN(testDSN())
	if err != nil {
		t.Fatal(err)
	}
	raw.DBName, raw.InterpolateParams, raw.Params = "", false, map[string]string{"charset": "latin1"}
	cfg, err := mysqldb.Tune(raw.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // session counters below are this connection's
	for i := range 5 {
		var got int
		if err := db.QueryRowContext(t.Context(), "SELECT ? + 1", i).Scan(&got); err != nil || got != i+1 {
			t.Fatalf("SELECT %d + 1 = %d, %v", i, got, err)
		}
	}
	var name string
	var prepared int
	if err := db.QueryRowContext(t.Context(), "SHOW SESSION STATUS LIKE 'Com_stmt_prepare'").Scan(&name, &prepared); err != nil {
		t.Fatal(err)
	}
	if prepared != 0 {
		t.Errorf("Com_stmt_prepare = %d, want 0 (parameters interpolated client-side)", prepared)
	}
	var charset string
	if err := db.QueryRowContext(t.Context(), "SELECT @@character_set_client").Scan(&charset); err != nil || charset != "utf8mb4" {
		t.Errorf("character_set_client = %q, %v; want utf8mb4", charset, err)
	}
}

func testDSN() string {
	if dsn := os.Getenv("IM_TEST_MYSQL_DSN"); dsn != "" {
		return dsn
	}
	return "root:@tcp(127.0.0.1:3306)/test"
}
