//go:build integration

package mariadb_test

import (
	"os"
	"slices"
	"sync"
	"testing"

	driver "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/mariadb"
)

func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) }

func open(t *testing.T) *mariadb.DB {
	db, err := mariadb.Open(t.Context(), apitest.DSN(t), 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// The domain prepares no statement on the server, even when the operator's
// DSN does not ask for interpolation: a PREPARE, EXECUTE and CLOSE per
// query was most of its MySQL cost per message.
func TestOpen_InterpolatesParameters(t *testing.T) {
	cfg, err := driver.ParseDSN(apitest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.InterpolateParams = false
	db, err := mariadb.Open(t.Context(), cfg.FormatDSN(), 1) // one connection: session counters are ours
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.UserSequences(t.Context(), apitest.RandomAppID(), "alice"); err != nil {
		t.Fatal(err)
	}
	if n := prepared(t, db); n != 0 {
		t.Errorf("Com_stmt_prepare = %d, want 0", n)
	}
}

// A handle opened elsewhere without interpolation gets gorm's statement
// cache from Wrap: one PREPARE per statement and connection, not per call.
func TestWrap_CachesStatementsOfAnUninterpolatedHandle(t *testing.T) {
	cfg, err := driver.ParseDSN(apitest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.InterpolateParams = false
	g, err := gorm.Open(mysql.Open(cfg.FormatDSN()), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	db, err := mariadb.Wrap(t.Context(), g, 1) // one connection: session counters are ours
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for range 5 {
		if _, err := db.UserSequences(t.Context(), apitest.RandomAppID(), "alice"); err != nil {
			t.Fatal(err)
		}
	}
	if n := prepared(t, db); n > 2 { // the query above, and SHOW itself when it is prepared
		t.Errorf("Com_stmt_prepare = %d after 5 identical queries, want the statement prepared once", n)
	}
}

// prepared is the number of server-side statement prepares of db's
// connection (the tests hold one).
func prepared(t *testing.T, db *mariadb.DB) int {
	t.Helper()
	var status struct {
		VariableName string `gorm:"column:Variable_name"`
		Value        int    `gorm:"column:Value"`
	}
	if err := db.Gorm.Raw("SHOW SESSION STATUS LIKE 'Com_stmt_prepare'").Scan(&status).Error; err != nil {
		t.Fatal(err)
	}
	return status.Value
}

func TestMigrateIsIdempotent(t *testing.T) {
	db := open(t)
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	var versions []int
	db.Gorm.Raw("SELECT version FROM schema_migrations ORDER BY version").Scan(&versions)
	if !slices.Equal(versions[:3], []int{1, 2, 3}) {
		t.Errorf("versions = %v", versions)
	}
	var charset string
	db.Gorm.Raw("SELECT CCSA.character_set_name FROM information_schema.TABLES T JOIN information_schema.COLLATION_CHARACTER_SET_APPLICABILITY CCSA ON CCSA.collation_name = T.table_collation WHERE T.table_schema = DATABASE() AND T.table_name = 'users'").Scan(&charset)
	if charset != "utf8mb4" {
		t.Errorf("users charset = %q", charset)
	}
}

// Sequences never repeat under concurrency and never go backwards: they
// live in MySQL, bumped in the change's transaction.
func TestNextSeqConcurrent(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *mariadb.DB) {
		app := apitest.RandomAppID()
		var mu sync.Mutex
		var got []int64
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				err := db.Tx(t.Context(), func(tx *gorm.DB) error {
					seq, err := mariadb.NextSeq(tx, app, "groupSeq")
					if err == nil {
						err = mariadb.MarkUserSeq(tx, app, "groupSeq", seq, "alice")
					}
					mu.Lock()
					got = append(got, seq)
					mu.Unlock()
					return err
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		slices.Sort(got)
		for i, s := range got {
			if s != int64(i+1) {
				t.Fatalf("seqs = %v, want 1..20", got)
			}
		}
		// A rolled-back change leaves the counter where it was.
		_ = db.Tx(t.Context(), func(tx *gorm.DB) error {
			mariadb.NextSeq(tx, app, "groupSeq")
			return gorm.ErrInvalidTransaction
		})
		// A lower mark never overwrites a higher one.
		_ = db.Tx(t.Context(), func(tx *gorm.DB) error { return mariadb.MarkUserSeq(tx, app, "groupSeq", 3, "alice") })
		seqs, err := db.UserSequences(t.Context(), app, "alice")
		if err != nil || seqs["groupSeq"] != 20 {
			t.Errorf("user seqs = %v, %v; want groupSeq 20", seqs, err)
		}
		var next int64
		_ = db.Tx(t.Context(), func(tx *gorm.DB) (err error) { next, err = mariadb.NextSeq(tx, app, "groupSeq"); return err })
		if next != 21 {
			t.Errorf("after rollback next = %d, want 21", next)
		}
	})
}

// engine is one SQL engine the repositories run on.
type engine struct {
	name string
	open func(t *testing.T) *mariadb.DB
}

// engines are MariaDB (the distributed platform's) and SQLite (the
// standalone binary's embedded default): the contract tests run on both.
var engines = []engine{{"mariadb", open}, {"sqlite", func(t *testing.T) *mariadb.DB { return apitest.SQLite(t) }}}

// eachEngine runs fn as one subtest per engine.
func eachEngine(t *testing.T, fn func(t *testing.T, db *mariadb.DB)) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { fn(t, e.open(t)) })
	}
}
