package mariadb

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/whaleim/whaleim/im-domain/internal/friend"
)

var _ friend.Store = (*DB)(nil)
var _ friend.Users = (*DB)(nil)

type friendRow struct {
	AppID      uint32 `gorm:"primaryKey;autoIncrement:false"`
	FromID     string `gorm:"primaryKey"`
	ToID       string `gorm:"primaryKey"`
	Remark     string
	Status     int
	Black      int
	AddSource  string
	Extra      string
	Sequence   int64
	CreateTime int64
	UpdateTime int64
}

func (friendRow) TableName() string { return "friendships" }

func (r friendRow) friendship() friend.Friendship {
	return friend.Friendship{FromID: r.FromID, ToID: r.ToID, Remark: r.Remark, Status: r.Status, Black: r.Black,
		AddSource: r.AddSource, Extra: r.Extra, Sequence: r.Sequence, CreateTime: r.CreateTime}
}

func toFriendRow(appID uint32, f friend.Friendship, now int64) friendRow {
	return friendRow{AppID: appID, FromID: f.FromID, ToID: f.ToID, Remark: f.Remark, Status: f.Status, Black: f.Black,
		AddSource: f.AddSource, Extra: f.Extra, Sequence: f.Sequence, CreateTime: f.CreateTime, UpdateTime: now}
}

// FriendAllowTypes implements friend.Users: live users' friend_allow_type.
func (d *DB) FriendAllowTypes(ctx context.Context, appID uint32, ids []string) (map[string]int, error) {
	var rows []struct {
		UserID          string
		FriendAllowType int
	}
	err := d.Gorm.WithContext(ctx).Raw("SELECT user_id, friend_allow_type FROM users WHERE app_id = ? AND user_id IN ? AND del_flag = 0",
		appID, ids).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("mariadb: allow types: %w", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.UserID] = r.FriendAllowType
	}
	return out, nil
}

// saveFriendships upserts rows, stamping each with its own new sequence and
// marking its owner's friendShipSeq. The caller holds friendLockSeq.
func saveFriendships(tx *gorm.DB, appID uint32, rows []*friend.Friendship) error {
	if len(rows) == 0 {
		return nil
	}
	first, err := friendReserveSeqs(tx, appID, friend.ModuleFriends, len(rows))
	if err != nil {
		return err
	}
	now := time.Now().UnixMilli()
	out := make([]friendRow, len(rows))
	newest := map[string]int64{} // owner -> its newest row's sequence
	for i, f := range rows {
		f.Sequence = first + int64(i)
		out[i] = toFriendRow(appID, *f, now)
		newest[f.FromID] = max(newest[f.FromID], f.Sequence)
	}
	if err := upsertAll(tx, out); err != nil {
		return fmt.Errorf("mariadb: save friendships: %w", err)
	}
	for _, owner := range slices.Sorted(maps.Keys(newest)) {
		if err := MarkUserSeq(tx, appID, friend.ModuleFriends, newest[owner], owner); err != nil {
			return err
		}
	}
	return nil
}

// ImportFriendships implements friend.Friendships.
func (d *DB) ImportFriendships(ctx context.Context, appID uint32, rows []friend.Friendship) error {
	return d.Tx(ctx, func(tx *gorm.DB) error {
		if err := friendLockSeq(tx, appID, friend.ModuleFriends); err != nil {
			return err
		}
		ptrs := make([]*friend.Friendship, len(rows))
		for i := range rows {
			ptrs[i] = &rows[i]
		}
		return saveFriendships(tx, appID, ptrs)
	})
}

// UpdateFriendPair implements friend.Friendships.
func (d *DB) UpdateFriendPair(ctx context.Context, appID uint32, a, b string, fn func(*friend.Pair) error) (friend.Pair, error) {
	var p friend.Pair
	err := d.Tx(ctx, func(tx *gorm.DB) error {
		if err := friendLockSeq(tx, appID, friend.ModuleFriends); err != nil {
			return err
		}
		var err error
		p, err = updateFriendPairTx(tx, appID, a, b, fn)
		return err
	})
	return p, err
}

// updateFriendPairTx loads both directions, applies fn and saves what changed.
// The caller holds friendLockSeq of friendShipSeq.
func updateFriendPairTx(tx *gorm.DB, appID uint32, a, b string, fn func(*friend.Pair) error) (friend.Pair, error) {
	var rows []friendRow
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("app_id = ? AND ((from_id = ? AND to_id = ?) OR (from_id = ? AND to_id = ?))", appID, a, b, b, a).
		Find(&rows).Error
	if err != nil {
		return friend.Pair{}, fmt.Errorf("mariadb: load friendship pair: %w", err)
	}
	p := friend.Pair{AB: friend.Friendship{FromID: a, ToID: b, Black: friend.BlackNone},
		BA: friend.Friendship{FromID: b, ToID: a, Black: friend.BlackNone}}
	for _, r := range rows {
		if r.FromID == a {
			p.AB, p.ABExists = r.friendship(), true
		} else {
			p.BA, p.BAExists = r.friendship(), true
		}
	}
	orig := p
	if err := fn(&p); err != nil {
		return friend.Pair{}, err
	}
	var changed []*friend.Friendship
	if p.AB != orig.AB {
		changed, p.ABExists = append(changed, &p.AB), true
	}
	if p.BA != orig.BA {
		changed, p.BAExists = append(changed, &p.BA), true
	}
	return p, saveFriendships(tx, appID, changed)
}

// DeleteAllFriends implements friend.Friendships.
func (d *DB) DeleteAllFriends(ctx context.Context, appID uint32, from string) ([]friend.Friendship, error) {
	var out []friend.Friendship
	err := d.Tx(ctx, func(tx *gorm.DB) error {
		if err := friendLockSeq(tx, appID, friend.ModuleFriends); err != nil {
			return err
		}
		var rows []friendRow
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("app_id = ? AND from_id = ? AND status = ?", appID, from, friend.StatusNormal).
			Order("to_id").Find(&rows).Error
		if err != nil {
			return fmt.Errorf("mariadb: load friends: %w", err)
		}
		out = make([]friend.Friendship, len(rows))
		ptrs := make([]*friend.Friendship, len(rows))
		for i, r := range rows {
			out[i] = r.friendship()
			out[i].Status = friend.StatusDeleted
			ptrs[i] = &out[i]
		}
		return saveFriendships(tx, appID, ptrs)
	})
	return out, err
}

// Friendships implements friend.Friendships.
func (d *DB) Friendships(ctx context.Context, appID uint32, from string) ([]friend.Friendship, error) {
	var rows []friendRow
	err := d.Gorm.WithContext(ctx).Where("app_id = ? AND from_id = ? AND (status = ? OR black = ?)",
		appID, from, friend.StatusNormal, friend.BlackBlocked).Order("to_id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("mariadb: friendships: %w", err)
	}
	out := make([]friend.Friendship, len(rows))
	for i, r := range rows {
		out[i] = r.friendship()
	}
	return out, nil
}

// FriendEdges implements friend.Friendships with two indexed reads.
func (d *DB) FriendEdges(ctx context.Context, appID uint32, a string, others []string) (out, in map[string]friend.Friendship, err error) {
	var outRows, inRows []friendRow
	db := d.Gorm.WithContext(ctx)
	if err := db.Where("app_id = ? AND from_id = ? AND to_id IN ?", appID, a, others).Find(&outRows).Error; err != nil {
		return nil, nil, fmt.Errorf("mariadb: friendship edges: %w", err)
	}
	if err := db.Where("app_id = ? AND to_id = ? AND from_id IN ?", appID, a, others).Find(&inRows).Error; err != nil {
		return nil, nil, fmt.Errorf("mariadb: friendship edges: %w", err)
	}
	out, in = make(map[string]friend.Friendship, len(outRows)), make(map[string]friend.Friendship, len(inRows))
	for _, r := range outRows {
		out[r.ToID] = r.friendship()
	}
	for _, r := range inRows {
		in[r.FromID] = r.friendship()
	}
	return out, in, nil
}

// SyncFriendships implements friend.Friendships. The maximum is the
// owner's own (WhaleShark's getFriendShipMaxSeq bound from_id to the app
// id), read in the same snapshot as the page.
func (d *DB) SyncFriendships(ctx context.Context, appID uint32, owner string, last int64, limit int) (friend.Page[friend.Friendship], error) {
	page := friend.Page[friend.Friendship]{DataList: []friend.Friendship{}}
	err := d.Tx(ctx, func(tx *gorm.DB) error {
		err := tx.Raw("SELECT COALESCE(MAX(sequence), 0) FROM friendships WHERE app_id = ? AND from_id = ?", appID, owner).
			Scan(&page.MaxSequence).Error
		if err != nil {
			return fmt.Errorf("mariadb: friendship max seq: %w", err)
		}
		var rows []friendRow
		err = tx.Where("app_id = ? AND from_id = ? AND sequence > ?", appID, owner, last).
			Order("sequence").Limit(limit).Find(&rows).Error
		if err != nil {
			return fmt.Errorf("mariadb: sync friendships: %w", err)
		}
		lastSeq := last
		for _, r := range rows {
			page.DataList = append(page.DataList, r.friendship())
			lastSeq = r.Sequence
		}
		page.Completed = friendSyncDone(len(rows), limit, lastSeq, page.MaxSequence)
		return nil
	})
	return page, err
}
