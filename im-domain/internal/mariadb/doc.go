// Package mariadb is the MySQL/MariaDB adapter of the domain, through gorm.
//
// MySQL is the source of truth. The schema is created by versioned
// migrations (see migrate.go): explicit CREATE TABLE statements, reviewable
// in one place per feature, recorded in schema_migrations so every version
// runs exactly once. Sequence numbers for incremental sync come from counter
// rows bumped in the same transaction as the change they stamp (seq.go), so
// a Redis flush can never make a sync sequence go backwards.
//
// The same repositories run on SQLite (the standalone binary's embedded
// default, a handle from im-common/sqlite.Open): the few things the two
// engines spell differently (DDL, upserts, duplicate keys, tuple matching,
// the migration lock, the pool) are picked once, in dialect.go, from the
// handle's dialector. The contract tests run on both engines.
package mariadb
