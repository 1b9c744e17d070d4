// Package sqlite runs the platform's gorm repositories on SQLite, in pure Go
// (the build is CGO_ENABLED=0), for the standalone binary and the contract
// tests of the embedded adapters.
//
// The repositories are written once, for MariaDB. What SQLite spells
// differently is kept here, at their edge: Open tunes a handle for one
// process that must not lose a committed row (WAL, fsync on every commit,
// writers serialised by BEGIN IMMEDIATE), and Translate rewrites the
// repositories' MySQL DDL.
//
// Identifiers need no collation here: SQLite compares TEXT with its BINARY
// collation unless told otherwise, byte for byte and without padding, which
// is what utf8mb4_nopad_bin achieves on MariaDB.
package sqlite
