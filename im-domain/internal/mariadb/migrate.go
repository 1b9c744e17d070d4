package mariadb

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/whaleim/whaleim/im-common/messagedb"
)

// Migration is one schema step. Versions are global and ordered; each
// feature owns a range (see migrations) and appends new steps at the end of
// its own range, never editing a released step.
type Migration struct {
	Version    int
	Name       string
	Statements []string // run in order; MySQL DDL is not transactional
	// SQLite, when set, replaces Statements on SQLite, for a statement
	// sqlite.Translate has no form for.
	SQLite []string
}

// Version ranges owned by features. A feature file registers its steps in
// its range; migrations() checks that every version is unique, in its
// range and increasing.
const (
	rangeAppsUsers     = 1   // 1..99   apps, users, sequence counters
	rangeFriends       = 100 // 100..199
	rangeGroups        = 200 // 200..299
	rangeConversations = 300 // 300..399
	rangeMessages      = 400 // 400..499
	rangeWebhooks      = 500 // 500..599
	rangePush          = 600 // 600..699
)

// migrations is the one ordered list of schema steps. Adding a feature is
// one line here plus its own migrate_<feature>.go.
func migrations() ([]Migration, error) {
	parts := []struct {
		base  int
		steps []Migration
	}{
		{rangeAppsUsers, appsUsersMigrations},
		{rangeFriends, friendMigrations},
		{rangeGroups, groupMigrations},
		{rangeConversations, conversationMigrations}, // keep parts in version order
		{rangeMessages, messageMigrations},
		{rangePush, pushMigrations},
	}
	var all []Migration
	for _, p := range parts {
		for _, m := range p.steps {
			if m.Version < p.base || m.Version >= p.base+100 {
				return nil, fmt.Errorf("mariadb: migration %d %q outside its range %d..%d", m.Version, m.Name, p.base, p.base+99)
			}
			if n := len(all); n > 0 && m.Version <= all[n-1].Version {
				return nil, fmt.Errorf("mariadb: migration %d %q not after %d", m.Version, m.Name, all[n-1].Version)
			}
			all = append(all, m)
		}
	}
	return all, nil
}

// IDCollation is the collation of every identifier column (users, groups,
// friends, members, conversations, message senders and receivers...): a
// binary comparison (by code point, which for UTF-8 is byte order) with NO
// PAD, so MariaDB's = and Go's == agree on every id. The first tables were
// utf8mb4_unicode_ci, under which "x2 ", "X2" and "x2" were one row: a sign
// for "X2" read and changed x2's data. utf8mb4_bin is not enough either: it
// is PAD SPACE, so "x2 " = "x2". Chosen over VARBINARY because the columns
// stay text: VARCHAR(n) still counts characters (the limits in the code
// stay true), tools and JSON show the ids as text, and a string parameter
// needs no conversion. Ids are checked by ident.ValidID at every entry; the
// collation makes the store agree with it.
const IDCollation = "utf8mb4_nopad_bin"

// binaryIDs converts tables, every text column and the table default, to
// IDCollation. Converting never fails on duplicates: a binary comparison
// only tells apart rows that unicode_ci merged, never the reverse. Existing
// ids outside the ident alphabet (a trailing space) stay stored but no
// entry point accepts them any more.
func binaryIDs(tables ...string) []string {
	out := make([]string, len(tables))
	for i, t := range tables {
		out[i] = "ALTER TABLE " + t + " CONVERT TO CHARACTER SET utf8mb4 COLLATE " + IDCollation
	}
	return out
}

const createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INT          NOT NULL PRIMARY KEY,
	name       VARCHAR(128) NOT NULL,
	applied_at BIGINT       NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`

// Migrate applies every migration not yet recorded in schema_migrations.
// Several domain nodes may start at once: a named lock serialises them, so
// each step runs once.
func (d *DB) Migrate(ctx context.Context) error {
	all, err := migrations()
	if err != nil {
		return err
	}
	if err := d.migrate(ctx, all); err != nil {
		return err
	}
	// im_message is the store's table as much as ours: its late columns are
	// added by the one idempotent step both services run.
	sqlDB, err := d.Gorm.DB()
	if err != nil {
		return fmt.Errorf("mariadb: database: %w", err)
	}
	return messagedb.Upgrade(ctx, sqlDB)
}

func (d *DB) migrate(ctx context.Context, all []Migration) error {
	return d.Gorm.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		release, err := d.sql.lock(conn)
		if err != nil {
			return err
		}
		defer release()
		create, err := d.sql.ddl(createSchemaMigrations)
		if err != nil {
			return fmt.Errorf("mariadb: create schema_migrations: %w", err)
		}
		for _, stmt := range create {
			if err := conn.Exec(stmt).Error; err != nil {
				return fmt.Errorf("mariadb: create schema_migrations: %w", err)
			}
		}
		var done []int
		if err := conn.Raw("SELECT version FROM schema_migrations").Scan(&done).Error; err != nil {
			return fmt.Errorf("mariadb: read schema_migrations: %w", err)
		}
		return apply(conn, d.sql, all, done)
	})
}

func apply(conn *gorm.DB, sql dialect, all []Migration, done []int) error {
	applied := make(map[int]bool, len(done))
	for _, v := range done {
		applied[v] = true
	}
	for _, m := range all {
		if applied[m.Version] {
			continue
		}
		stmts, err := statements(sql, m)
		if err != nil {
			return fmt.Errorf("mariadb: migration %d %q: %w", m.Version, m.Name, err)
		}
		for _, stmt := range stmts {
			if err := conn.Exec(stmt).Error; err != nil {
				return fmt.Errorf("mariadb: migration %d %q: %w", m.Version, m.Name, err)
			}
		}
		err = conn.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			m.Version, m.Name, time.Now().UnixMilli()).Error
		if err != nil {
			return fmt.Errorf("mariadb: record migration %d: %w", m.Version, err)
		}
	}
	return nil
}

// statements are the statements of m in sql's dialect.
func statements(sql dialect, m Migration) ([]string, error) {
	if _, ok := sql.(sqliteDialect); ok && m.SQLite != nil {
		return m.SQLite, nil
	}
	var out []string
	for _, stmt := range m.Statements {
		s, err := sql.ddl(stmt)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	return out, nil
}
