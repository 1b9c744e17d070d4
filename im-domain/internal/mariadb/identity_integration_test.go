//go:build integration

package mariadb_test

import (
	"crypto/rand"
	"encoding/hex"
	"testing"

	driver "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/friend"
	"github.com/whaleim/whaleim/im-domain/internal/mariadb"
	"github.com/whaleim/whaleim/im-domain/internal/message"
	"github.com/whaleim/whaleim/im-domain/internal/user"
)

// lookalikes of "x2" that are other ids (or no id at all) byte for byte.
var lookalikes = []string{"X2", "x2 ", "\uff58\uff12"}

// Every text column of every table compares bytes with NO PAD, as Go does.
func TestIDColumnsCompareLikeGo(t *testing.T) {
	db := open(t)
	var cols []struct{ TableName, ColumnName, CollationName string }
	db.Gorm.Raw(`SELECT table_name, column_name, collation_name FROM information_schema.COLUMNS
		WHERE table_schema = DATABASE() AND collation_name IS NOT NULL AND table_name <> 'schema_migrations'`).Scan(&cols)
	if len(cols) < 30 {
		t.Fatalf("only %d text columns found", len(cols))
	}
	for _, c := range cols {
		if c.CollationName != mariadb.IDCollation {
			t.Errorf("%s.%s is %s", c.TableName, c.ColumnName, c.CollationName)
		}
	}
}

// "X2", "x2 " and "ｘ２" are not x2: they read nothing of x2's, and each can
// be a row of its own.
func TestLookalikeIDsAreDifferentRows(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *mariadb.DB) {
		app := apitest.RandomAppID()
		seedX2(t, db, app)
		for _, id := range lookalikes {
			assertNothingOfX2(t, db, app, id)
		}
		if err := db.UpsertUsers(t.Context(), app, []user.User{{ID: "X2", NickName: "upper"}, {ID: "x2 ", NickName: "padded"}}); err != nil {
			t.Fatal(err)
		}
		got, err := db.Users(t.Context(), app, []string{"x2", "X2", "x2 "})
		if err != nil || len(got) != 3 {
			t.Fatalf("users = %+v, %v; want three rows", got, err)
		}
		for _, u := range got {
			want := map[string]string{"x2": "x2's", "X2": "upper", "x2 ": "padded"}[u.ID]
			if u.NickName != want {
				t.Errorf("user %q nick %q, want %q", u.ID, u.NickName, want)
			}
		}
	})
}

// A database written by a release with utf8mb4_unicode_ci columns: the
// migration keeps every row and from then on compares bytes.
func TestBinaryIDMigrationKeepsData(t *testing.T) {
	db := oldDatabase(t)
	app := apitest.RandomAppID()
	seedX2(t, db, app)
	var twins []user.User
	if twins, _ = db.Users(t.Context(), app, []string{"X2"}); len(twins) != 1 {
		t.Fatalf("before the migration X2 should read x2's row (the defect); got %+v", twins)
	}
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Users(t.Context(), app, []string{"x2"}); err != nil || len(got) != 1 {
		t.Fatalf("x2 after migration: %+v, %v", got, err)
	}
	for _, id := range lookalikes {
		assertNothingOfX2(t, db, app, id)
	}
}

func seedX2(t *testing.T, db *mariadb.DB, app uint32) {
	t.Helper()
	ctx := t.Context()
	conv := mq.P2PConversation("x2", "y2")
	steps := []error{
		db.UpsertUsers(ctx, app, []user.User{{ID: "x2", NickName: "x2's"}}),
		db.ImportFriendships(ctx, app, []friend.Friendship{{FromID: "x2", ToID: "y2", Status: friend.StatusNormal, Black: 1}}),
		db.Touch(ctx, app, conv, "x2"),
		db.Gorm.Exec(`INSERT INTO im_message (app_id, conversation_id, seq, message_key, message_id, kind, from_id, to_id,
			body, extra, message_time, created_at) VALUES (?, ?, 1, ?, 'm1', 'p2p', 'x2', 'y2', 'hi', '', 1, 1)`,
			app, conv, int64(app)).Error,
	}
	for i, err := range steps {
		if err != nil {
			t.Fatalf("seed step %d: %v", i, err)
		}
	}
}

func assertNothingOfX2(t *testing.T, db *mariadb.DB, app uint32, id string) {
	t.Helper()
	ctx := t.Context()
	if got, err := db.Users(ctx, app, []string{id}); err != nil || len(got) != 0 {
		t.Errorf("Users(%q) = %+v, %v", id, got, err)
	}
	if got, err := db.Friendships(ctx, app, id); err != nil || len(got) != 0 {
		t.Errorf("Friendships(%q) = %+v, %v", id, got, err)
	}
	if got, err := db.Cursors(ctx, app, id); err != nil || len(got) != 0 {
		t.Errorf("Cursors(%q) = %+v, %v", id, got, err)
	}
	if got, err := db.StoredAll(ctx, []message.SenderKey{{AppID: app, FromID: id, MessageID: "m1"}}); err != nil || len(got) != 0 {
		t.Errorf("StoredAll(%q, m1) = %+v, %v", id, got, err)
	}
	if got, err := db.Range(ctx, app, "p2p:"+id+":y2", 0, 10, 10); err != nil || len(got) != 0 {
		t.Errorf("Range(p2p:%s:y2) = %+v, %v", id, got, err)
	}
}

// oldDatabase is a fresh database migrated as a release before the binary
// ids left it (database default and tables utf8mb4_unicode_ci).
func oldDatabase(t *testing.T) *mariadb.DB {
	t.Helper()
	cfg, err := driver.ParseDSN(apitest.MySQLDSN())
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "im_test_old_" + hex.EncodeToString(b)
	cfg.DBName = ""
	admin := gormOpen(t, cfg.FormatDSN())
	if err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci").Error; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec("DROP DATABASE IF EXISTS " + name) })
	cfg.DBName = name
	db, err := mariadb.Wrap(t.Context(), gormOpen(t, cfg.FormatDSN()), 4)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.MigrateWithout(t.Context(), 4, 103, 201, 301, 405); err != nil {
		t.Fatal(err)
	}
	return db
}

func gormOpen(t *testing.T, dsn string) *gorm.DB {
	t.Helper()
	g, err := gorm.Open(mysql.Open(dsn), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := g.DB(); err == nil {
			s.Close()
		}
	})
	return g
}
