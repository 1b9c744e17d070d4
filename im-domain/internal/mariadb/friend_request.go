package mariadb

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/friend"
)

type friendRequestRow struct {
	ID            int64 `gorm:"primaryKey"`
	AppID         uint32
	FromID        string
	ToID          string
	Remark        string
	ReadStatus    int
	AddSource     string
	AddWording    string
	ApproveStatus int
	Sequence      int64
	CreateTime    int64
	UpdateTime    int64
}

func (friendRequestRow) TableName() string { return "friend_requests" }

func (r friendRequestRow) request() friend.Request {
	return friend.Request{ID: r.ID, FromID: r.FromID, ToID: r.ToID, Remark: r.Remark, ReadStatus: r.ReadStatus,
		AddSource: r.AddSource, AddWording: r.AddWording, ApproveStatus: r.ApproveStatus,
		CreateTime: r.CreateTime, UpdateTime: r.UpdateTime, Sequence: r.Sequence}
}

// stampFriendRequest gives r a new sequence, saves it and marks both parties.
// The caller holds friendLockSeq of friendShipRequestSeq.
func stampFriendRequest(tx *gorm.DB, appID uint32, r *friendRequestRow) error {
	seq, err := friendReserveSeqs(tx, appID, friend.ModuleRequests, 1)
	if err != nil {
		return err
	}
	r.Sequence = seq
	if err := tx.Save(r).Error; err != nil {
		return fmt.Errorf("mariadb: save friend request: %w", err)
	}
	return MarkUserSeq(tx, appID, friend.ModuleRequests, seq, r.FromID, r.ToID)
}

// UpsertFriendRequest implements friend.Requests: the unique (app, from, to) key
// holds one row, refreshed to pending and unread on every new ask.
func (d *DB) UpsertFriendRequest(ctx context.Context, appID uint32, req friend.Request) (friend.Request, error) {
	var r friendRequestRow
	err := d.Tx(ctx, func(tx *gorm.DB) error {
		if err := friendLockSeq(tx, appID, friend.ModuleRequests); err != nil {
			return err
		}
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("app_id = ? AND from_id = ? AND to_id = ?", appID, req.FromID, req.ToID).Take(&r).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			r = friendRequestRow{AppID: appID, FromID: req.FromID, ToID: req.ToID, CreateTime: req.UpdateTime}
		case err != nil:
			return fmt.Errorf("mariadb: load friend request: %w", err)
		}
		r.Remark, r.AddSource, r.AddWording, r.UpdateTime = req.Remark, req.AddSource, req.AddWording, req.UpdateTime
		r.ReadStatus, r.ApproveStatus = 0, friend.RequestPending
		return stampFriendRequest(tx, appID, &r)
	})
	return r.request(), err
}

// ReceivedFriendRequests implements friend.Requests.
func (d *DB) ReceivedFriendRequests(ctx context.Context, appID uint32, toID string) ([]friend.Request, error) {
	var rows []friendRequestRow
	err := d.Gorm.WithContext(ctx).Where("app_id = ? AND to_id = ?", appID, toID).Order("sequence DESC").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("mariadb: friend requests: %w", err)
	}
	return friendRequests(rows), nil
}

func friendRequests(rows []friendRequestRow) []friend.Request {
	out := make([]friend.Request, len(rows))
	for i, r := range rows {
		out[i] = r.request()
	}
	return out
}

// FriendRequestByID implements friend.Requests.
func (d *DB) FriendRequestByID(ctx context.Context, appID uint32, id int64) (friend.Request, error) {
	var r friendRequestRow
	err := d.Gorm.WithContext(ctx).Where("app_id = ? AND id = ?", appID, id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return friend.Request{}, errcode.FriendRequestNotFound
	}
	if err != nil {
		return friend.Request{}, fmt.Errorf("mariadb: friend request: %w", err)
	}
	return r.request(), nil
}

// ReadFriendRequests implements friend.Requests.
func (d *DB) ReadFriendRequests(ctx context.Context, appID uint32, toID string) ([]friend.Request, error) {
	var rows []friendRequestRow
	err := d.Tx(ctx, func(tx *gorm.DB) error {
		if err := friendLockSeq(tx, appID, friend.ModuleRequests); err != nil {
			return err
		}
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("app_id = ? AND to_id = ? AND read_status = 0", appID, toID).Order("id").Find(&rows).Error
		if err != nil {
			return fmt.Errorf("mariadb: load unread requests: %w", err)
		}
		for i := range rows {
			rows[i].ReadStatus = 1
			if err := stampFriendRequest(tx, appID, &rows[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return friendRequests(rows), err
}

// DecideFriendRequest implements friend.Requests. Lock order: the request
// counter, then the friendship counter (the only place taking both).
func (d *DB) DecideFriendRequest(ctx context.Context, appID uint32, id int64, decide func(*friend.Request) error,
	befriend func(friend.Request, *friend.Pair) error) (friend.Request, friend.Pair, error) {
	var (
		out friend.Request
		p   friend.Pair
	)
	err := d.Tx(ctx, func(tx *gorm.DB) error {
		if err := friendLockSeq(tx, appID, friend.ModuleRequests); err != nil {
			return err
		}
		var r friendRequestRow
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("app_id = ? AND id = ?", appID, id).Take(&r).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return errcode.FriendRequestNotFound
		}
		if err != nil {
			return fmt.Errorf("mariadb: load friend request: %w", err)
		}
		req := r.request()
		if err := decide(&req); err != nil {
			return err
		}
		r.ReadStatus, r.ApproveStatus, r.UpdateTime = req.ReadStatus, req.ApproveStatus, req.UpdateTime
		if err := stampFriendRequest(tx, appID, &r); err != nil {
			return err
		}
		out = r.request()
		if befriend == nil {
			return nil
		}
		if err := friendLockSeq(tx, appID, friend.ModuleFriends); err != nil {
			return err
		}
		p, err = updateFriendPairTx(tx, appID, r.FromID, r.ToID, func(p *friend.Pair) error { return befriend(out, p) })
		return err
	})
	return out, p, err
}

// SyncFriendRequests implements friend.Requests: the requests owner sent or
// received.
func (d *DB) SyncFriendRequests(ctx context.Context, appID uint32, owner string, last int64, limit int) (friend.Page[friend.Request], error) {
	page := friend.Page[friend.Request]{DataList: []friend.Request{}}
	err := d.Tx(ctx, func(tx *gorm.DB) error {
		err := tx.Raw("SELECT COALESCE(MAX(sequence), 0) FROM friend_requests WHERE app_id = ? AND (from_id = ? OR to_id = ?)",
			appID, owner, owner).Scan(&page.MaxSequence).Error
		if err != nil {
			return fmt.Errorf("mariadb: request max seq: %w", err)
		}
		var rows []friendRequestRow
		err = tx.Where("app_id = ? AND (from_id = ? OR to_id = ?) AND sequence > ?", appID, owner, owner, last).
			Order("sequence").Limit(limit).Find(&rows).Error
		if err != nil {
			return fmt.Errorf("mariadb: sync requests: %w", err)
		}
		page.DataList = friendRequests(rows)
		lastSeq := last
		if len(rows) > 0 {
			lastSeq = rows[len(rows)-1].Sequence
		}
		page.Completed = friendSyncDone(len(rows), limit, lastSeq, page.MaxSequence)
		return nil
	})
	return page, err
}
