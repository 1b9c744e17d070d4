package apitest

import (
	"path/filepath"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/whaleim/whaleim/im-common/sqlite"
	"github.com/whaleim/whaleim/im-domain/internal/mariadb"
)

// SQLite opens a migrated SQLite database in a fresh folder, as the
// standalone binary does: the embedded side of the repositories' contract
// tests. It is closed at cleanup.
func SQLite(t testing.TB) *mariadb.DB {
	t.Helper()
	g, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "domain.db"), 1)
	if err != nil {
		t.Fatal(err)
	}
	db, err := mariadb.Wrap(t.Context(), g, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

// Miniredis starts an in-process Redis (miniredis, speaking RESP on a
// loopback port, as in the standalone binary) and returns a client of it:
// the embedded side of the Redis adapters' contract tests. Both stop at
// cleanup.
func Miniredis(t testing.TB) *redis.Client {
	t.Helper()
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		t.Fatalf("apitest: miniredis: %v", err)
	}
	t.Cleanup(m.Close)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}
