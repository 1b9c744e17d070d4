package mariadb

import (
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Friend changes take their module's counter row lock FIRST (friendLockSeq),
// before reading or locking any friendship row. All writers of a list in an
// app are thereby serialised on one row: no deadlock between the gap locks
// of two adds of the same missing pair, and sequences commit in order, so
// a sync never skips a row committed late with a smaller sequence. The cost
// is one writer at a time per app and list, fine for friendship rates.

// friendLockSeq creates the counter row if needed and locks it until the end of
// tx. UPDATE with no change still takes the row's exclusive lock.
func friendLockSeq(tx *gorm.DB, appID uint32, module string) error {
	row := seqCounter{AppID: appID, Module: module}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return fmt.Errorf("mariadb: lock seq %s: %w", module, err)
	}
	err := tx.Exec("UPDATE seq_counters SET seq = seq WHERE app_id = ? AND module = ?", appID, module).Error
	if err != nil {
		return fmt.Errorf("mariadb: lock seq %s: %w", module, err)
	}
	return nil
}

// friendReserveSeqs hands out n consecutive sequences and returns the first.
// Every changed row gets its own, so a sync page boundary never falls
// between rows sharing a sequence.
func friendReserveSeqs(tx *gorm.DB, appID uint32, module string, n int) (int64, error) {
	err := tx.Exec("UPDATE seq_counters SET seq = seq + ? WHERE app_id = ? AND module = ?", n, appID, module).Error
	if err != nil {
		return 0, fmt.Errorf("mariadb: reserve seq %s: %w", module, err)
	}
	var last int64
	err = tx.Raw("SELECT seq FROM seq_counters WHERE app_id = ? AND module = ?", appID, module).Scan(&last).Error
	if err != nil {
		return 0, fmt.Errorf("mariadb: reserve seq %s: %w", module, err)
	}
	return last - int64(n) + 1, nil
}

// friendSyncDone reports whether a sync page reached the owner's latest change:
// a short page, or a last row at the maximum.
func friendSyncDone(n, limit int, lastSeq, maxSeq int64) bool {
	return n < limit || lastSeq >= maxSeq
}
