package mariadb

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/group"
)

// GroupInfo implements group.Store.
func (s *GroupStore) GroupInfo(ctx context.Context, appID uint32, groupID string) (group.Group, error) {
	var r chatGroupRow
	err := s.db.Gorm.WithContext(ctx).Where("app_id = ? AND group_id = ?", appID, groupID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return group.Group{}, errcode.GroupNotFound.With(groupID)
	}
	if err != nil {
		return group.Group{}, fmt.Errorf("mariadb: group: %w", err)
	}
	return r.group(), nil
}

// GroupMembers implements group.Store: current members by join time.
func (s *GroupStore) GroupMembers(ctx context.Context, appID uint32, groupID string) ([]group.Member, error) {
	var rows []chatMemberRow
	err := s.db.Gorm.WithContext(ctx).Where("app_id = ? AND group_id = ? AND role <> ?", appID, groupID, group.RoleLeft).
		Order("join_time, member_id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("mariadb: group members: %w", err)
	}
	out := make([]group.Member, len(rows))
	for i, r := range rows {
		out[i] = r.member()
	}
	return out, nil
}

// JoinedGroups implements group.Store.
func (s *GroupStore) JoinedGroups(ctx context.Context, appID uint32, userID string, types []group.Type, limit, offset int) ([]group.Group, int64, error) {
	q := s.db.Gorm.WithContext(ctx).Model(&chatGroupRow{}).
		Joins("JOIN group_members m ON m.app_id = chat_groups.app_id AND m.group_id = chat_groups.group_id").
		Where("chat_groups.app_id = ? AND m.member_id = ? AND m.role <> ? AND chat_groups.status = ?",
			appID, userID, group.RoleLeft, group.StatusNormal)
	if len(types) > 0 {
		q = q.Where("chat_groups.group_type IN ?", types)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("mariadb: joined groups: %w", err)
	}
	var rows []chatGroupRow
	err := q.Select("chat_groups.*").Order("m.join_time DESC, chat_groups.group_id").Limit(limit).Offset(offset).Find(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("mariadb: joined groups: %w", err)
	}
	out := make([]group.Group, len(rows))
	for i, r := range rows {
		out[i] = r.group()
	}
	return out, total, nil
}

// SyncJoinedGroups implements group.Store over idx_group_members_sync.
func (s *GroupStore) SyncJoinedGroups(ctx context.Context, appID uint32, userID string, last int64, limit int) ([]group.SyncRow, int64, error) {
	db := s.db.Gorm.WithContext(ctx)
	var maxSeq int64
	err := db.Raw("SELECT COALESCE(MAX(sync_seq), 0) FROM group_members WHERE app_id = ? AND member_id = ?", appID, userID).
		Scan(&maxSeq).Error
	if err != nil {
		return nil, 0, fmt.Errorf("mariadb: sync joined groups: %w", err)
	}
	var rows []chatMemberRow
	err = db.Where("app_id = ? AND member_id = ? AND sync_seq > ?", appID, userID, last).
		Order("sync_seq").Limit(limit).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return nil, maxSeq, chatGroupErr("sync joined groups", err)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.GroupID
	}
	var groups []chatGroupRow
	if err := db.Where("app_id = ? AND group_id IN ?", appID, ids).Find(&groups).Error; err != nil {
		return nil, 0, chatGroupErr("sync joined groups", err)
	}
	byID := make(map[string]group.Group, len(groups))
	for _, g := range groups {
		byID[g.GroupID] = g.group()
	}
	out := make([]group.SyncRow, len(rows))
	for i, r := range rows {
		g := byID[r.GroupID]
		g.Sequence = r.SyncSeq
		out[i] = group.SyncRow{Group: g, Role: group.Role(r.Role)}
	}
	return out, maxSeq, nil
}

func chatGroupErr(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("mariadb: %s: %w", what, err)
}

// GroupJoinRequests implements group.Store: pending requests, oldest first.
func (s *GroupStore) GroupJoinRequests(ctx context.Context, appID uint32, groupID string) ([]group.JoinRequest, error) {
	var rows []chatRequestRow
	err := s.db.Gorm.WithContext(ctx).Where("app_id = ? AND group_id = ? AND status = ?", appID, groupID, group.RequestPending).
		Order("created_at, user_id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("mariadb: join requests: %w", err)
	}
	out := make([]group.JoinRequest, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.request())
	}
	return out, nil
}

// JoinedGroupIDs implements group.Store.
func (s *GroupStore) JoinedGroupIDs(ctx context.Context, appID uint32, userID string) ([]string, error) {
	var ids []string
	err := s.db.Gorm.WithContext(ctx).Raw(`SELECT m.group_id FROM group_members m
		JOIN chat_groups g ON g.app_id = m.app_id AND g.group_id = m.group_id
		WHERE m.app_id = ? AND m.member_id = ? AND m.role <> ? AND g.status = ? ORDER BY m.group_id`,
		appID, userID, group.RoleLeft, group.StatusNormal).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("mariadb: joined group ids: %w", err)
	}
	return ids, nil
}
