package mariadb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/friend"
)

type friendGroupRow struct {
	GroupID    int64 `gorm:"primaryKey"`
	AppID      uint32
	FromID     string
	GroupName  string
	DelFlag    int
	Sequence   int64
	CreateTime int64
	UpdateTime int64
}

func (friendGroupRow) TableName() string { return "friend_groups" }

type friendGroupMemberRow struct {
	GroupID int64  `gorm:"primaryKey;autoIncrement:false"`
	ToID    string `gorm:"primaryKey"`
}

func (friendGroupMemberRow) TableName() string { return "friend_group_members" }

func (r friendGroupRow) group(members []string) friend.Group {
	if members == nil {
		members = []string{}
	}
	return friend.Group{GroupID: r.GroupID, FromID: r.FromID, GroupName: r.GroupName, ToIDs: members,
		DelFlag: r.DelFlag, Sequence: r.Sequence, CreateTime: r.CreateTime, UpdateTime: r.UpdateTime}
}

// stampFriendGroup gives g a new sequence, saves it and marks its owner. The
// caller holds friendLockSeq of friendShipGroupSeq.
func stampFriendGroup(tx *gorm.DB, appID uint32, g *friendGroupRow) error {
	seq, err := friendReserveSeqs(tx, appID, friend.ModuleGroups, 1)
	if err != nil {
		return err
	}
	g.Sequence, g.UpdateTime = seq, time.Now().UnixMilli()
	if err := tx.Save(g).Error; err != nil {
		return fmt.Errorf("mariadb: save friend group: %w", err)
	}
	return MarkUserSeq(tx, appID, friend.ModuleGroups, seq, g.FromID)
}

func setFriendGroupMembers(tx *gorm.DB, groupID int64, add, remove []string) error {
	if len(remove) > 0 {
		if err := tx.Where("group_id = ? AND to_id IN ?", groupID, remove).Delete(&friendGroupMemberRow{}).Error; err != nil {
			return fmt.Errorf("mariadb: remove group members: %w", err)
		}
	}
	rows := make([]friendGroupMemberRow, len(add))
	for i, id := range add {
		rows[i] = friendGroupMemberRow{GroupID: groupID, ToID: id}
	}
	if len(rows) > 0 {
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error; err != nil {
			return fmt.Errorf("mariadb: add group members: %w", err)
		}
	}
	return nil
}

func friendGroupMembers(tx *gorm.DB, groupIDs ...int64) (map[int64][]string, error) {
	var rows []friendGroupMemberRow
	if err := tx.Where("group_id IN ?", groupIDs).Order("group_id, to_id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("mariadb: group members: %w", err)
	}
	out := map[int64][]string{}
	for _, r := range rows {
		out[r.GroupID] = append(out[r.GroupID], r.ToID)
	}
	return out, nil
}

// CreateFriendGroup implements friend.Groups.
func (d *DB) CreateFriendGroup(ctx context.Context, appID uint32, from, name string, ids []string) (friend.Group, error) {
	var g friendGroupRow
	err := d.Tx(ctx, func(tx *gorm.DB) error {
		if err := friendLockSeq(tx, appID, friend.ModuleGroups); err != nil {
			return err
		}
		err := tx.Where("app_id = ? AND from_id = ? AND group_name = ?", appID, from, name).Take(&g).Error
		switch {
		case err == nil && g.DelFlag == 0:
			return errcode.FriendGroupExists.With(name)
		case errors.Is(err, gorm.ErrRecordNotFound):
			g = friendGroupRow{AppID: appID, FromID: from, GroupName: name, CreateTime: time.Now().UnixMilli()}
		case err != nil:
			return fmt.Errorf("mariadb: load friend group: %w", err)
		}
		g.DelFlag = 0
		if err := stampFriendGroup(tx, appID, &g); err != nil {
			return err
		}
		return setFriendGroupMembers(tx, g.GroupID, ids, nil)
	})
	if err != nil {
		return friend.Group{}, err
	}
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	return g.group(sorted), nil
}

// DeleteFriendGroups implements friend.Groups.
func (d *DB) DeleteFriendGroups(ctx context.Context, appID uint32, from string, names []string) ([]friend.Group, error) {
	var out []friend.Group
	err := d.Tx(ctx, func(tx *gorm.DB) error {
		if err := friendLockSeq(tx, appID, friend.ModuleGroups); err != nil {
			return err
		}
		var rows []friendGroupRow
		err := tx.Where("app_id = ? AND from_id = ? AND group_name IN ? AND del_flag = 0", appID, from, names).
			Order("group_id").Find(&rows).Error
		if err != nil {
			return fmt.Errorf("mariadb: load friend groups: %w", err)
		}
		for _, n := range names {
			if !slices.ContainsFunc(rows, func(r friendGroupRow) bool { return r.GroupName == n }) {
				return errcode.FriendGroupNotFound.With(n)
			}
		}
		for i := range rows {
			rows[i].DelFlag = 1
			if err := stampFriendGroup(tx, appID, &rows[i]); err != nil {
				return err
			}
			if err := tx.Where("group_id = ?", rows[i].GroupID).Delete(&friendGroupMemberRow{}).Error; err != nil {
				return fmt.Errorf("mariadb: clear group members: %w", err)
			}
			out = append(out, rows[i].group(nil))
		}
		return nil
	})
	return out, err
}

// UpdateFriendGroupMembers implements friend.Groups.
func (d *DB) UpdateFriendGroupMembers(ctx context.Context, appID uint32, from, name string, fn func([]string) []string) (friend.Group, error) {
	var out friend.Group
	err := d.Tx(ctx, func(tx *gorm.DB) error {
		if err := friendLockSeq(tx, appID, friend.ModuleGroups); err != nil {
			return err
		}
		var g friendGroupRow
		err := tx.Where("app_id = ? AND from_id = ? AND group_name = ? AND del_flag = 0", appID, from, name).Take(&g).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return errcode.FriendGroupNotFound.With(name)
		}
		if err != nil {
			return fmt.Errorf("mariadb: load friend group: %w", err)
		}
		cur, err := friendGroupMembers(tx, g.GroupID)
		if err != nil {
			return err
		}
		next := fn(slices.Clone(cur[g.GroupID]))
		add, remove := memberDiff(cur[g.GroupID], next)
		slices.Sort(next)
		out = g.group(next)
		if len(add)+len(remove) == 0 {
			return nil
		}
		if err := setFriendGroupMembers(tx, g.GroupID, add, remove); err != nil {
			return err
		}
		if err := stampFriendGroup(tx, appID, &g); err != nil {
			return err
		}
		out = g.group(next)
		return nil
	})
	return out, err
}

// memberDiff returns what next adds to and removes from cur.
func memberDiff(cur, next []string) (add, remove []string) {
	for _, id := range next {
		if !slices.Contains(cur, id) && !slices.Contains(add, id) {
			add = append(add, id)
		}
	}
	for _, id := range cur {
		if !slices.Contains(next, id) {
			remove = append(remove, id)
		}
	}
	return add, remove
}

// SyncFriendGroups implements friend.Groups: groups with their members, deleted
// ones as tombstones.
func (d *DB) SyncFriendGroups(ctx context.Context, appID uint32, owner string, last int64, limit int) (friend.Page[friend.Group], error) {
	page := friend.Page[friend.Group]{DataList: []friend.Group{}}
	err := d.Tx(ctx, func(tx *gorm.DB) error {
		err := tx.Raw("SELECT COALESCE(MAX(sequence), 0) FROM friend_groups WHERE app_id = ? AND from_id = ?", appID, owner).
			Scan(&page.MaxSequence).Error
		if err != nil {
			return fmt.Errorf("mariadb: group max seq: %w", err)
		}
		var rows []friendGroupRow
		err = tx.Where("app_id = ? AND from_id = ? AND sequence > ?", appID, owner, last).
			Order("sequence").Limit(limit).Find(&rows).Error
		if err != nil || len(rows) == 0 {
			page.Completed = true
			return err
		}
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.GroupID
		}
		ms, err := friendGroupMembers(tx, ids...)
		if err != nil {
			return err
		}
		for _, r := range rows {
			page.DataList = append(page.DataList, r.group(ms[r.GroupID]))
		}
		page.Completed = friendSyncDone(len(rows), limit, rows[len(rows)-1].Sequence, page.MaxSequence)
		return nil
	})
	return page, err
}
