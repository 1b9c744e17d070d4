package mariadb

import (
	"context"
	"fmt"
	"time"

	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/whaleim/whaleim/im-common/mysqldb"
)

// DB is the domain's database handle.
type DB struct {
	Gorm *gorm.DB
	sql  dialect // what MariaDB and SQLite spell differently
}

// Open connects to dsn (go-sql-driver form) with interpolated parameters
// and utf8mb4 forced, sizes the pool, pings, and runs every pending
// migration.
func Open(ctx context.Context, dsn string, maxConns int) (*DB, error) {
	if err := mysqldb.EnsureDatabase(ctx, dsn); err != nil {
		return nil, fmt.Errorf("mariadb: %w", err)
	}
	dsn, err := tuned(dsn)
	if err != nil {
		return nil, err
	}
	g, err := gorm.Open(mysql.Open(dsn), &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		return nil, fmt.Errorf("mariadb: open: %w", err)
	}
	db, err := Wrap(ctx, g, maxConns)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Wrap adopts an opened gorm handle (the standalone binary passes its own,
// on SQLite from im-common/sqlite.Open), sizes its pool and pings it. It does not migrate. A MySQL handle whose DSN
// does not interpolate parameters (mysqldb.Tune) would PREPARE, EXECUTE and
// CLOSE every statement on the server: Wrap gives it gorm's statement cache
// (PrepareStmt) instead, so each statement is prepared once per connection.
// The cache is bounded (LRU): multi-row statements differ by row count, and
// the server refuses more than max_prepared_stmt_count (16,382) in all.
func Wrap(ctx context.Context, g *gorm.DB, maxConns int) (*DB, error) {
	sql, err := dialectOf(g)
	if err != nil {
		return nil, err
	}
	if needsStmtCache(g) {
		g.Config.PrepareStmtMaxSize = stmtCacheSize
		g = g.Session(&gorm.Session{PrepareStmt: true})
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, fmt.Errorf("mariadb: %w", err)
	}
	sql.size(sqlDB, maxConns)
	d := &DB{Gorm: g, sql: sql}
	if err := d.Ping(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// Ping checks the connection (readiness probe).
func (d *DB) Ping(ctx context.Context) error {
	sqlDB, err := d.Gorm.DB()
	if err != nil {
		return fmt.Errorf("mariadb: %w", err)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("mariadb: ping: %w", err)
	}
	return nil
}

// Close releases the pool.
func (d *DB) Close() error {
	sqlDB, err := d.Gorm.DB()
	if err != nil {
		return fmt.Errorf("mariadb: %w", err)
	}
	return sqlDB.Close()
}

// Tx runs fn in one transaction: committed when fn returns nil, rolled back
// otherwise. Feature adapters call it so a change, its sequence number and
// the users' sequence marks commit together.
func (d *DB) Tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return d.Gorm.WithContext(ctx).Transaction(fn)
}

// stmtCacheSize bounds the statement cache of an uninterpolated handle:
// at most stmtCacheSize statements per connection.
const stmtCacheSize = 200

// needsStmtCache reports a MySQL handle whose DSN does not interpolate
// parameters. SQLite needs no cache (it runs in-process: a statement costs
// no round trip), and must not have gorm's: on its one-connection pool a
// transaction's prepare waits for the cache's lock, held by a statement
// outside the transaction that waits for the connection (a deadlock
// imbench found in the standalone binary).
func needsStmtCache(g *gorm.DB) bool {
	d, ok := g.Dialector.(*mysql.Dialector)
	return ok && d.Config != nil && !mysqldb.Interpolates(d.DSN)
}

// tuned returns dsn with client-side parameter interpolation (no
// server-side PREPARE per query) and utf8mb4 forced (WhaleShark's 3-byte
// utf8 could not store emoji), whatever the DSN says; see mysqldb.Tune.
func tuned(dsn string) (string, error) {
	cfg, err := mysqldb.Tune(dsn)
	if err != nil {
		return "", fmt.Errorf("mariadb: %w", err)
	}
	cfg.Collation = "utf8mb4_unicode_ci"
	return cfg.FormatDSN(), nil
}
