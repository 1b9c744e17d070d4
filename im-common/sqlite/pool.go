package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"sync"

	"gorm.io/gorm"
)

// pool is an SQLite handle's connection pool: several connections, so
// reads run while a write is in progress (WAL lets readers work beside one
// writer), and a write slot in Go that lets one writer through at a time: a
// transaction, or a statement that is not a SELECT. SQLite serialises
// writers itself too (BEGIN IMMEDIATE), but its busy handler polls with
// sleeps and can starve a writer for seconds, where the slot queues them.
// With a single connection instead, every read of the domain waited behind
// the store's commits and their fsyncs (imbench: the standalone binary
// stalled at ~2,200 messages/s with its cycles queued for the connection).
type pool struct {
	db    *sql.DB
	write chan struct{} // holds one token while a writer runs
}

func newPool(db *sql.DB) *pool { return &pool{db: db, write: make(chan struct{}, 1)} }

// acquire takes the write slot, or gives up with ctx.
func (p *pool) acquire(ctx context.Context) error {
	select {
	case p.write <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *pool) release() { <-p.write }

// reads reports whether query only reads: it starts with SELECT. Anything
// else (INSERT ... RETURNING included) takes the write slot.
func reads(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	return len(q) >= 6 && strings.EqualFold(q[:6], "SELECT")
}

// PrepareContext implements gorm.ConnPool. Handles of this package do not
// cache statements (see mariadb.Wrap), so only a caller's own prepared
// statements come here; their executions are not serialised.
func (p *pool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.db.PrepareContext(ctx, query)
}

// ExecContext implements gorm.ConnPool, in the write slot.
func (p *pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := p.acquire(ctx); err != nil {
		return nil, err
	}
	defer p.release()
	return p.db.ExecContext(ctx, query, args...)
}

// QueryContext implements gorm.ConnPool: a SELECT on any connection, any
// other statement in the write slot.
func (p *pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if reads(query) {
		return p.db.QueryContext(ctx, query, args...)
	}
	if err := p.acquire(ctx); err != nil {
		return nil, err
	}
	defer p.release()
	return p.db.QueryContext(ctx, query, args...)
}

// QueryRowContext implements gorm.ConnPool like QueryContext.
func (p *pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if reads(query) || p.acquire(ctx) != nil { // a cancelled ctx fails the row by itself
		return p.db.QueryRowContext(ctx, query, args...)
	}
	defer p.release()
	return p.db.QueryRowContext(ctx, query, args...)
}

// BeginTx implements gorm.ConnPoolBeginner: the transaction holds the write
// slot until it commits or rolls back.
func (p *pool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	if err := p.acquire(ctx); err != nil {
		return nil, err
	}
	tx, err := p.db.BeginTx(ctx, opts)
	if err != nil {
		p.release()
		return nil, err
	}
	return &poolTx{Tx: tx, release: sync.OnceFunc(p.release)}, nil
}

// GetDBConn implements gorm.GetDBConnector: gorm.DB.DB() returns the
// *sql.DB under the pool (to size it, ping it, close it).
func (p *pool) GetDBConn() (*sql.DB, error) { return p.db, nil }

// poolTx is a transaction that gives the write slot back when it ends.
type poolTx struct {
	*sql.Tx
	release func()
}

// Commit implements gorm.TxCommitter.
func (t *poolTx) Commit() error {
	defer t.release()
	return t.Tx.Commit()
}

// Rollback implements gorm.TxCommitter.
func (t *poolTx) Rollback() error {
	defer t.release()
	return t.Tx.Rollback()
}
