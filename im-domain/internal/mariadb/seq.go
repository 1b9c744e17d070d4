package mariadb

import (
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Sync sequences. WhaleShark used Redis INCR {appId}:xxxSeq: after a Redis
// flush the counters restarted at 1 and incremental sync silently skipped
// changes. Here a counter row is bumped inside the same transaction as the
// change it stamps: the row lock orders concurrent writers, the value can
// never go backwards, and a rolled-back change leaves no hole. Per-message
// seqs use the Redis fast path with a MySQL high-water mark instead.
//
// Two kinds of counter, chosen by who shares a stamped row:
//   - per app (NextSeq, seq_counters): friends, friend groups, friend
//     requests and chat groups. One row there (a request, a group, a
//     membership change) is synced by several users with one sequence,
//     which must grow in each of their lists, so it comes from one counter
//     per (app, module) whose row lock is held until commit; MarkUserSeq
//     then records it for getUserSequence. These changes are rare, user-
//     initiated list edits, so serialising them per app is cheap.
//   - per user (NextUserSeqs, user_sequences): conversations. Every message
//     of the app touches conversation rows, and each row belongs to exactly
//     one owner who syncs only their own list, so the sequence needs to
//     grow (in commit order) per user only. The user_sequences row is both
//     the counter and the getUserSequence mark, and messages of different
//     users' conversations never wait for each other.
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
// never lowering an existing mark, in multi-row upserts. Call it in the
// change's transaction.
func MarkUserSeq(tx *gorm.DB, appID uint32, module string, seq int64, userIDs ...string) error {
	// CASE rather than GREATEST keeps the statement valid on SQLite too.
	keep := clause.OnConflict{
		Columns:   []clause.Column{{Name: "app_id"}, {Name: "user_id"}, {Name: "module"}},
		DoUpdates: clause.Assignments(map[string]any{"seq": gorm.Expr("CASE WHEN seq < ? THEN ? ELSE seq END", seq, seq)}),
	}
	users := slices.Compact(slices.Sorted(slices.Values(userIDs))) // one lock order for every writer
	if len(users) == 0 {
		return nil
	}
	rows := make([]userSeq, len(users))
	for i, u := range users {
		rows[i] = userSeq{AppID: appID, UserID: u, Module: module, Seq: seq}
	}
	if err := tx.Clauses(keep).CreateInBatches(&rows, userSeqBatch).Error; err != nil {
		return fmt.Errorf("mariadb: mark user seq %s: %w", module, err)
	}
	return nil
}

// userSeqBatch bounds the users of one statement of NextUserSeqs.
const userSeqBatch = 500

// NextUserSeqs bumps the per-user counter of module for each of users and
// returns each user's new sequence. tx must be a transaction (DB.Tx); the
// rows stay locked until it ends, so per user the sequences are handed out
// in commit order and a rolled-back change leaves no hole.
//
// The counter is the user's user_sequences row, the same row MarkUserSeq
// keeps as the getUserSequence mark: a counter continues from the user's
// current mark, which is at least the sequence of every row ever stamped
// for them, so switching a module from NextSeq to NextUserSeqs needs no
// migration and never moves a user's sequence backwards.
//
// One statement per 500 users takes the locks and bumps the counters: a
// multi-row upsert (seq 1 for a new row, seq = seq + 1 on a duplicate). It
// locks its rows one by one in VALUES order, an existing row with an X
// record-only lock on the duplicate primary key, a new one by inserting it,
// and no statement here takes a gap lock. users are sorted and
// de-duplicated first, so two transactions lock their common rows in the
// same order and cannot deadlock on them. Not an INSERT of missing rows
// followed by UPDATE ... WHERE user_id IN (...): the UPDATE locks rows in
// primary-key order only when the optimizer picks point lookups, and on a
// small table it scans instead, next-key locking every row it passes
// (other users' rows and gaps included), which deadlocked against
// concurrent upserts in TestConversationUserSequencesConcurrent. Callers
// take these locks before any other row lock of the change (conversations
// do). Ids compare byte for byte (IDCollation), so the Go sort is the
// rows' order. (Under the first utf8mb4_unicode_ci columns alice and Alice
// shared a row; the fallback below still copes with such twins.)
func NextUserSeqs(tx *gorm.DB, appID uint32, module string, users []string) (map[string]int64, error) {
	users = slices.Compact(slices.Sorted(slices.Values(users)))
	out := make(map[string]int64, len(users))
	for chunk := range slices.Chunk(users, userSeqBatch) {
		if err := nextUserSeqs(tx, appID, module, chunk, out); err != nil {
			return nil, fmt.Errorf("mariadb: user seqs %s: %w", module, err)
		}
	}
	return out, nil
}

// ReserveUserSeqs advances the per-user counter of module by counts[u] (>=
// 1) for each user u and returns each user's new value hi: the sequences
// (hi-counts[u], hi] are the caller's. Locks are taken as NextUserSeqs
// takes them (one sorted multi-row upsert); the extra steps of users with
// more than one are point updates of rows this transaction already holds,
// so they take no new lock.
func ReserveUserSeqs(tx *gorm.DB, appID uint32, module string, counts map[string]int) (map[string]int64, error) {
	users := make([]string, 0, len(counts))
	for u := range counts {
		users = append(users, u)
	}
	out, err := NextUserSeqs(tx, appID, module, users)
	if err != nil {
		return nil, err
	}
	for _, u := range slices.Sorted(slices.Values(users)) {
		extra := counts[u] - 1
		if extra <= 0 {
			continue
		}
		err := tx.Exec("UPDATE user_sequences SET seq = seq + ? WHERE app_id = ? AND user_id = ? AND module = ?",
			extra, appID, u, module).Error
		if err != nil {
			return nil, fmt.Errorf("mariadb: user seqs %s: %w", module, err)
		}
		out[u] += int64(extra)
	}
	return out, nil
}

func nextUserSeqs(tx *gorm.DB, appID uint32, module string, users []string, out map[string]int64) error {
	rows := make([]userSeq, len(users))
	for i, u := range users {
		rows[i] = userSeq{AppID: appID, UserID: u, Module: module, Seq: 1}
	}
	bump := clause.OnConflict{
		Columns:   []clause.Column{{Name: "app_id"}, {Name: "user_id"}, {Name: "module"}},
		DoUpdates: clause.Assignments(map[string]any{"seq": gorm.Expr("seq + 1")}),
	}
	if err := tx.Clauses(bump).Create(&rows).Error; err != nil {
		return err
	}
	var got []userSeq
	err := tx.Raw("SELECT user_id, seq FROM user_sequences WHERE app_id = ? AND module = ? AND user_id IN ?",
		appID, module, users).Scan(&got).Error
	if err != nil {
		return err
	}
	for _, r := range got {
		out[r.UserID] = r.Seq
	}
	for _, u := range users {
		if _, ok := out[u]; ok {
			continue
		}
		// A collation twin of another id (alice, Alice): same row, already bumped.
		var seq int64
		err := tx.Raw("SELECT seq FROM user_sequences WHERE app_id = ? AND module = ? AND user_id = ?", appID, module, u).Scan(&seq).Error
		if err != nil {
			return err
		}
		out[u] = seq
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
