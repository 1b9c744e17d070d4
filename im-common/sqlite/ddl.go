package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ErrUntranslatable is returned by Translate for a statement it has no
// SQLite form for; the caller supplies one itself.
var ErrUntranslatable = errors.New("sqlite: no SQLite form for this MySQL statement")

var (
	createTable = regexp.MustCompile(`(?s)^\s*CREATE TABLE (IF NOT EXISTS )?(\w+) \((.*)\)\s*(ENGINE=.*)?$`)
	comment     = regexp.MustCompile(`\s+COMMENT\s+'(?:[^']|'')*'`)
	autoID      = regexp.MustCompile(`^(\w+)\s+BIGINT\s+NOT NULL\s+AUTO_INCREMENT PRIMARY KEY$`)
	index       = regexp.MustCompile(`^(UNIQUE )?KEY (\w+) (\(.*\))$`)
	convert     = regexp.MustCompile(`^\s*ALTER TABLE \w+ CONVERT TO CHARACTER SET`)
	addColumns  = regexp.MustCompile(`(?s)^\s*ALTER TABLE (\w+)\s+(ADD COLUMN IF NOT EXISTS .*)$`)
	nextColumn  = regexp.MustCompile(`,\s*ADD COLUMN IF NOT EXISTS `)
)

// Translate rewrites one MySQL DDL statement of the repositories into the
// SQLite statements with the same effect:
//   - CREATE TABLE: column comments, the table options and the
//     AUTO_INCREMENT keyword go; an auto-increment id becomes INTEGER
//     PRIMARY KEY AUTOINCREMENT (never reused, as in InnoDB); KEY and
//     UNIQUE KEY lines become CREATE [UNIQUE] INDEX statements;
//   - ALTER TABLE ... CONVERT TO CHARACTER SET: nothing (see the package
//     doc on collation);
//   - ALTER TABLE t ADD COLUMN IF NOT EXISTS a ..., ADD COLUMN IF NOT EXISTS
//     b ...: one ALTER TABLE ADD COLUMN per column.
//
// Anything else returns ErrUntranslatable.
func Translate(stmt string) ([]string, error) {
	switch {
	case convert.MatchString(stmt):
		return nil, nil
	case createTable.MatchString(stmt):
		return translateCreate(createTable.FindStringSubmatch(stmt))
	case addColumns.MatchString(stmt):
		m := addColumns.FindStringSubmatch(stmt)
		cols := nextColumn.Split(strings.TrimPrefix(m[2], "ADD COLUMN IF NOT EXISTS "), -1)
		out := make([]string, len(cols))
		for i, c := range cols {
			out[i] = "ALTER TABLE " + m[1] + " ADD COLUMN " + strings.TrimSpace(comment.ReplaceAllString(c, ""))
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: %.60q", ErrUntranslatable, stmt)
}

// translateCreate rewrites a CREATE TABLE whose body has one column,
// key or constraint per line, as every statement of the repositories does.
func translateCreate(m []string) ([]string, error) {
	ifNot, table := m[1], m[2]
	var cols, indexes []string
	for line := range strings.SplitSeq(m[3], "\n") {
		line = strings.TrimSuffix(strings.TrimSpace(comment.ReplaceAllString(line, "")), ",")
		switch {
		case line == "":
		case index.MatchString(line):
			k := index.FindStringSubmatch(line)
			indexes = append(indexes, "CREATE "+k[1]+"INDEX IF NOT EXISTS "+k[2]+" ON "+table+" "+k[3])
		case autoID.MatchString(line):
			cols = append(cols, autoID.FindStringSubmatch(line)[1]+" INTEGER PRIMARY KEY AUTOINCREMENT")
		case strings.Contains(line, "AUTO_INCREMENT"):
			return nil, fmt.Errorf("%w: %s.%s", ErrUntranslatable, table, line)
		default:
			cols = append(cols, line)
		}
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("%w: table %s has no columns", ErrUntranslatable, table)
	}
	create := "CREATE TABLE " + ifNot + table + " (\n\t" + strings.Join(cols, ",\n\t") + "\n)"
	return append([]string{create}, indexes...), nil
}

// TupleIn is the WHERE condition matching the columns cols (comma
// separated) against tuples, with its arguments: one "c1 = ? AND c2 = ?"
// term per tuple, joined by OR. SQLite answers that with one index seek per
// term (MULTI-INDEX OR), where a row-value IN over a VALUES list seeks on
// the first column only and scans the rest: a scan of the app's whole
// table per query. The ORs nest as a balanced tree, so the expression's
// depth grows with the logarithm of the tuples (SQLite caps it at 1000).
func TupleIn(cols string, tuples [][]any) (string, []any) {
	if len(tuples) == 0 {
		return "1 = 0", nil
	}
	names := strings.Split(cols, ",")
	for i := range names {
		names[i] = strings.TrimSpace(names[i]) + " = ?"
	}
	term := "(" + strings.Join(names, " AND ") + ")"
	args := make([]any, 0, len(tuples)*len(names))
	for _, t := range tuples {
		args = append(args, t...)
	}
	var b strings.Builder
	orTree(&b, term, len(tuples))
	return b.String(), args
}

// orTree writes n copies of term joined by OR, parenthesised as a balanced
// tree in order.
func orTree(b *strings.Builder, term string, n int) {
	if n == 1 {
		b.WriteString(term)
		return
	}
	b.WriteByte('(')
	orTree(b, term, n/2)
	b.WriteString(" OR ")
	orTree(b, term, n-n/2)
	b.WriteByte(')')
}

// notNull is SQLITE_CONSTRAINT_NOTNULL, the one error SQLite raises for a
// value (it stores over-long strings as they are, and has no strict types
// in the repositories' tables).
const notNull = 1299

// IsDataError reports whether err is caused by one row's values, which
// retrying cannot fix (MySQL's "column cannot be null" and kin).
func IsDataError(err error) bool {
	var coded interface{ Code() int }
	return errors.As(err, &coded) && coded.Code() == notNull
}

// Ensure runs the SQLite form of a MySQL CREATE TABLE (see Translate).
func Ensure(ctx context.Context, db Execer, createTable string) error {
	stmts, err := Translate(createTable)
	if err != nil {
		return err
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
	}
	return nil
}

// Execer runs a statement; *sql.DB, *sql.Conn and *sql.Tx satisfy it.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}
