package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Pragmas every connection runs:
//   - WAL: readers never block the writer, and a commit is one append;
//   - synchronous FULL: the WAL is fsynced at every commit, so a committed
//     row survives kill -9 and power loss (NORMAL would lose the last
//     commits on power loss);
//   - busy_timeout: a writer waits for the one before it instead of
//     failing with SQLITE_BUSY.
//
// _txlock=immediate takes the write lock at BEGIN: a transaction that reads
// and then writes (the repositories' read-modify-write under FOR UPDATE)
// can never deadlock on the lock upgrade, and is serialised like a
// MariaDB row lock would serialise it.
var pragmas = url.Values{
	"_pragma": {"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(0)"},
	"_txlock": {"immediate"},
}

// Open opens (creating if missing) the SQLite database at path with
// maxConns connections (at least 2: reads run beside the one writer, see
// pool), gorm's error translation on (a unique-key clash is
// gorm.ErrDuplicatedKey) and the pragmas above. The folder must exist and
// be writable: Open checks, so the caller can name the setting at fault.
func Open(ctx context.Context, path string, maxConns int) (*gorm.DB, error) {
	if err := writable(filepath.Dir(path)); err != nil {
		return nil, err
	}
	sqlDB, err := sql.Open(sqlite.DriverName, path+"?"+pragmas.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	conns := max(maxConns, 2)
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(conns)
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	g, err := gorm.Open(&sqlite.Dialector{Conn: newPool(sqlDB)}, &gorm.Config{
		Logger:                 logger.Discard, // errors are returned, never logged twice
		SkipDefaultTransaction: true,
		TranslateError:         true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return g, nil
}

// writable reports whether dir accepts a new file: SQLite itself would
// only fail at the first write, with "out of memory" on some systems.
func writable(dir string) error {
	f, err := os.CreateTemp(dir, ".writable-*")
	if err != nil {
		return fmt.Errorf("sqlite: folder %s is not writable: %w", dir, err)
	}
	name := f.Name()
	_ = f.Close()
	return os.Remove(name)
}
