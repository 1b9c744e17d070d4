package apitest

import (
	"testing"

	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/whaleim/whaleim/im-domain/internal/mariadb"
)

// OpenDB opens this run's database directly, for arranging state and
// checking rows behind the API's back.
func OpenDB(t testing.TB) *gorm.DB {
	t.Helper()
	db, err := gorm.Open(mysql.Open(DSN(t)), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("apitest: open db: %v", err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})
	return db
}

// MarkSeq bumps module's counter in appID and marks it on users, in one
// transaction, as a feature's change would; it returns the new seq.
func MarkSeq(t testing.TB, db *gorm.DB, appID uint32, module string, users ...string) int64 {
	t.Helper()
	var seq int64
	err := db.Transaction(func(tx *gorm.DB) error {
		var err error
		if seq, err = mariadb.NextSeq(tx, appID, module); err != nil {
			return err
		}
		return mariadb.MarkUserSeq(tx, appID, module, seq, users...)
	})
	if err != nil {
		t.Fatalf("apitest: mark seq: %v", err)
	}
	return seq
}
