package mariadb

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Sync sequences. WhaleShark used Redis INCR {appId}:xxxSeq: after a Redis
// flush the counters restarted at 1 and incremental sync silently skipped
// changes. Here a counter row is bumped inside the same transaction as the
// change it stamps: the row lock orders concurrent writers, the value can
// never go backwards, and a rolled-back change leaves no hole. The cost is
// one row lock per (app, module), held for the length of the transaction,
// which is fine for list changes (friends, groups, conversations); per-
// message seqs use the Redis fast path with a MySQL high-water mark instead.

type seqCounter struct {
	AppID  uint32 `gorm:"primaryKey;autoIncrement:false"`
	Module string `gorm:"primaryKey"`
	Seq    int64
}

func (seqCounter) TableName() string { return "seq_counters" }

type userSeq struct {
	AppID  uint32 `gorm:"primaryKey;autoIncrement:false"`
	UserID string `gorm:"primaryKey"`
	Module string `gorm:"primaryKey"`
	Seq    int64
}

func (userSeq) TableName() string { return "user_sequences" }

// NextSeq returns the next sequence of module in appID. tx must be a
// transaction (DB.Tx). The statements avoid MySQL-only syntax so the
// standalone binary's SQLite can run them too.
func NextSeq(tx *gorm.DB, appID uint32, module string) (int64, error) {
	row := seqCounter{AppID: appID, Module: module}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return 0, fmt.Errorf("mariadb: seq %s: %w", module, err)
	}
	err := tx.Exec("UPDATE seq_counters SET seq = seq + 1 WHERE app_id = ? AND module = ?", appID, module).Error
	if err != nil {
		return 0, fmt.Errorf("mariadb: seq %s: %w", module, err)
	}
	var seq int64
	err = tx.Raw("SELECT seq FROM seq_counters WHERE app_id = ? AND module = ?", appID, module).Scan(&seq).Error
	if err != nil {
		return 0, fmt.Errorf("mariadb: seq %s: %w", module, err)
	}
	return seq, nil
}

// MarkUserSeq records seq as the latest sequence of module for each user,
// never lowering an existing mark. Call it in the change's transaction.
func MarkUserSeq(tx *gorm.DB, appID uint32, module string, seq int64, userIDs ...string) error {
	// CASE rather than GREATEST keeps the statement valid on SQLite too.
	keep := clause.OnConflict{
		Columns:   []clause.Column{{Name: "app_id"}, {Name: "user_id"}, {Name: "module"}},
		DoUpdates: clause.Assignments(map[string]any{"seq": gorm.Expr("CASE WHEN seq < ? THEN ? ELSE seq END", seq, seq)}),
	}
	for _, u := range userIDs {
		row := userSeq{AppID: appID, UserID: u, Module: module, Seq: seq}
		if err := tx.Clauses(keep).Create(&row).Error; err != nil {
			return fmt.Errorf("mariadb: mark user seq %s: %w", module, err)
		}
	}
	return nil
}

// UserSequences returns the latest sequence per module of one user.
func (d *DB) UserSequences(ctx context.Context, appID uint32, userID string) (map[string]int64, error) {
	var rows []struct {
		Module string
		Seq    int64
	}
	err := d.Gorm.WithContext(ctx).Raw("SELECT module, seq FROM user_sequences WHERE app_id = ? AND user_id = ?", appID, userID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("mariadb: user sequences: %w", err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Module] = r.Seq
	}
	return out, nil
}
