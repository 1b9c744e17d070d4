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
	dsn := os.Getenv("IM_TEST_MYSQL_DSN")
	if dsn == "" {
		dsn = "root:@tcp(127.0.0.1:3306)/test"
	}
	cfg, err := mysql.ParseDSN(dsn)
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
