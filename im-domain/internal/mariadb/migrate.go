package mariadb

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Migration is one schema step. Versions are global and ordered; each
// feature owns a range (see migrations) and appends new steps at the end of
// its own range, never editing a released step.
type Migration struct {
	Version    int
	Name       string
	Statements []string // run in order; MySQL DDL is not transactional
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
	return d.Gorm.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		if err := lock(conn); err != nil {
			return err
		}
		defer conn.Exec("SELECT RELEASE_LOCK('im_domain_migrate')")
		if err := conn.Exec(createSchemaMigrations).Error; err != nil {
			return fmt.Errorf("mariadb: create schema_migrations: %w", err)
		}
		var done []int
		if err := conn.Raw("SELECT version FROM schema_migrations").Scan(&done).Error; err != nil {
			return fmt.Errorf("mariadb: read schema_migrations: %w", err)
		}
		return apply(conn, all, done)
	})
}

func lock(conn *gorm.DB) error {
	var got int
	if err := conn.Raw("SELECT GET_LOCK('im_domain_migrate', 60)").Scan(&got).Error; err != nil {
		return fmt.Errorf("mariadb: migration lock: %w", err)
	}
	if got != 1 {
		return fmt.Errorf("mariadb: migration lock not acquired within 60s")
	}
	return nil
}

func apply(conn *gorm.DB, all []Migration, done []int) error {
	applied := make(map[int]bool, len(done))
	for _, v := range done {
		applied[v] = true
	}
	for _, m := range all {
		if applied[m.Version] {
			continue
		}
		for _, stmt := range m.Statements {
			if err := conn.Exec(stmt).Error; err != nil {
				return fmt.Errorf("mariadb: migration %d %q: %w", m.Version, m.Name, err)
			}
		}
		err := conn.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			m.Version, m.Name, time.Now().UnixMilli()).Error
		if err != nil {
			return fmt.Errorf("mariadb: record migration %d: %w", m.Version, err)
		}
	}
	return nil
}
