package mariadb

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	driver "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/whaleim/whaleim/im-common/sqlite"
)

// dialect is what the SQL engines under the repositories spell
// differently. The repositories are written once, through gorm, for
// MariaDB; the few pieces below are chosen once, at the edge, from the
// handle's dialector: MySQL/MariaDB (production) or SQLite (the standalone
// binary's embedded default).
type dialect interface {
	// ddl returns the statements that apply one migration statement.
	ddl(stmt string) ([]string, error)
	// lock serialises migrations across processes; release undoes it.
	lock(conn *gorm.DB) (release func(), err error)
	// upsert follows INSERT ... VALUES (...): on a key clash, the row is
	// updated with the assignments that follow.
	upsert() string
	// incoming is the value the insert of an upsert tried to write to col.
	incoming(col string) string
	// greatest is the larger of two values.
	greatest(a, b string) string
	// insertIgnore begins an insert that skips rows clashing on a key.
	insertIgnore() string
	// tupleIn matches cols against a list of tuples, as a WHERE condition.
	tupleIn(cols string, tuples [][]any) (string, []any)
	// duplicate reports a unique-key clash.
	duplicate(err error) bool
	// size sizes the connection pool.
	size(pool *sql.DB, maxConns int)
	// rows bounds the rows (or tuples) of one hot-path statement.
	rows() int
}

// dialectOf picks the dialect of g's dialector.
func dialectOf(g *gorm.DB) (dialect, error) {
	switch name := g.Dialector.Name(); name {
	case "mysql":
		return mysqlDialect{}, nil
	case "sqlite":
		return sqliteDialect{}, nil
	default:
		return nil, fmt.Errorf("mariadb: no dialect for %q", name)
	}
}

// mysqlDialect is MariaDB's (and MySQL's) SQL.
type mysqlDialect struct{}

func (mysqlDialect) ddl(stmt string) ([]string, error) { return []string{stmt}, nil }

func (mysqlDialect) lock(conn *gorm.DB) (func(), error) {
	var got int
	if err := conn.Raw("SELECT GET_LOCK('im_domain_migrate', 60)").Scan(&got).Error; err != nil {
		return nil, fmt.Errorf("mariadb: migration lock: %w", err)
	}
	if got != 1 {
		return nil, fmt.Errorf("mariadb: migration lock not acquired within 60s")
	}
	return func() { conn.Exec("SELECT RELEASE_LOCK('im_domain_migrate')") }, nil
}

func (mysqlDialect) upsert() string              { return " ON DUPLICATE KEY UPDATE " }
func (mysqlDialect) incoming(col string) string  { return "VALUES(" + col + ")" }
func (mysqlDialect) greatest(a, b string) string { return "GREATEST(" + a + ", " + b + ")" }
func (mysqlDialect) insertIgnore() string        { return "INSERT IGNORE" }

func (mysqlDialect) tupleIn(cols string, tuples [][]any) (string, []any) {
	return "(" + cols + ") IN ?", []any{tuples}
}

func (mysqlDialect) duplicate(err error) bool {
	var me *driver.MySQLError
	return errors.Is(err, gorm.ErrDuplicatedKey) || (errors.As(err, &me) && me.Number == 1062)
}

// rows: a few hundred rows per statement, one round trip each.
func (mysqlDialect) rows() int { return 500 }

func (mysqlDialect) size(pool *sql.DB, maxConns int) {
	if maxConns <= 0 {
		maxConns = 20
	}
	pool.SetMaxOpenConns(maxConns)
	pool.SetMaxIdleConns(maxConns / 2)
	// Recycle connections before MariaDB's wait_timeout (8h default) or a
	// proxy's idle timeout can cut them under us.
	pool.SetConnMaxLifetime(30 * time.Minute)
	pool.SetConnMaxIdleTime(5 * time.Minute)
}

// sqliteDialect is SQLite's SQL (3.35 or later), on a handle from
// sqlite.Open (gorm error translation on).
type sqliteDialect struct{}

func (sqliteDialect) ddl(stmt string) ([]string, error) { return sqlite.Translate(stmt) }

// lock needs nothing: one process owns an SQLite file, and its migrations
// run once, at start.
func (sqliteDialect) lock(*gorm.DB) (func(), error) { return func() {}, nil }

func (sqliteDialect) upsert() string              { return " ON CONFLICT DO UPDATE SET " }
func (sqliteDialect) incoming(col string) string  { return "excluded." + col }
func (sqliteDialect) greatest(a, b string) string { return "MAX(" + a + ", " + b + ")" }
func (sqliteDialect) insertIgnore() string        { return "INSERT OR IGNORE" }

// tupleIn: per-tuple equalities joined by OR, which SQLite seeks on the
// whole key (sqlite.TupleIn).
func (sqliteDialect) tupleIn(cols string, tuples [][]any) (string, []any) {
	return sqlite.TupleIn(cols, tuples)
}

func (sqliteDialect) duplicate(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }

// rows: SQLite's driver finds each parameter's argument by a linear search,
// so binding a statement costs the square of its parameters, while a
// statement costs no round trip: small statements.
func (sqliteDialect) rows() int { return 32 }

// size keeps the pool sqlite.Open made: readers beside one writer at a
// time, the writers queued in Go, where SQLite's busy handler polls and
// can starve a writer for seconds.
func (sqliteDialect) size(*sql.DB, int) {}
