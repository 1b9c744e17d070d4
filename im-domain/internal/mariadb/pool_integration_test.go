//go:build integration

package mariadb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"

	"github.com/whaleim/whaleim/im-domain/internal/mariadb"
)

// TestTransactionsAndQueriesShareOnePool: transactions that create rows and
// queries outside them, at once on every engine, all finish. On SQLite's
// one-connection pool gorm's statement cache deadlocked here (the standalone
// binary stalled under imbench).
func TestTransactionsAndQueriesShareOnePool(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *mariadb.DB) {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		g, gctx := errgroup.WithContext(ctx)
		for w := range 8 {
			g.Go(func() error {
				for i := range 25 {
					counts := map[string]int{fmt.Sprintf("u%d-%d", w, i): 1}
					err := db.Tx(gctx, func(tx *gorm.DB) error {
						if err := tx.Exec(fmt.Sprintf("SELECT %d", 1000*w+i)).Error; err != nil {
							return err
						}
						_, err := mariadb.ReserveUserSeqs(tx, 7, "pool-test", counts)
						return err
					})
					if err != nil {
						return err
					}
					// A statement the other workers prepare at the same moment,
					// outside any transaction.
					if err := db.Gorm.WithContext(gctx).Exec(fmt.Sprintf("SELECT %d", -i)).Error; err != nil {
						return err
					}
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatalf("transactions and queries at once: %v (a deadlock ends in the deadline)", err)
		}
	})
}
