package mariadb

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/group"
)

// GroupStore is the group adapter (group.Store). It is its own type, not
// methods on DB, because friend groups already use group-ish names there.
type GroupStore struct{ db *DB }

// NewGroupStore returns the group adapter over d.
func NewGroupStore(d *DB) *GroupStore { return &GroupStore{db: d} }

var _ group.Store = (*GroupStore)(nil)

// chatGroupSeqModule is the sync module of joined groups (WhaleShark's
// {appId}:groupSeq), as getUserSequence reports it.
const chatGroupSeqModule = "groupSeq"

type chatGroupRow struct {
	AppID          uint32 `gorm:"primaryKey;autoIncrement:false"`
	GroupID        string `gorm:"primaryKey"`
	OwnerID        string
	GroupType      int
	GroupName      string
	Mute           int
	ApplyJoinType  int
	Photo          string
	MaxMemberCount int
	Introduction   string
	Notification   string
	Status         int
	Sequence       int64
	Extra          string
	CreatedAt      int64 `gorm:"autoCreateTime:false"`
	UpdatedAt      int64 `gorm:"autoUpdateTime:false"`
}

func (chatGroupRow) TableName() string { return "chat_groups" }

func toChatGroupRow(appID uint32, g group.Group) chatGroupRow {
	return chatGroupRow{AppID: appID, GroupID: g.ID, OwnerID: g.OwnerID, GroupType: int(g.Type), GroupName: g.Name,
		Mute: g.Mute, ApplyJoinType: int(g.JoinType), Photo: g.Photo, MaxMemberCount: g.MaxMembers,
		Introduction: g.Introduction, Notification: g.Notification, Status: g.Status, Sequence: g.Sequence,
		Extra: g.Extra, CreatedAt: g.CreateTime, UpdatedAt: g.UpdateTime}
}

func (r chatGroupRow) group() group.Group {
	return group.Group{ID: r.GroupID, OwnerID: r.OwnerID, Type: group.Type(r.GroupType), Name: r.GroupName,
		Mute: r.Mute, JoinType: group.JoinType(r.ApplyJoinType), Photo: r.Photo, MaxMembers: r.MaxMemberCount,
		Introduction: r.Introduction, Notification: r.Notification, Status: r.Status, Sequence: r.Sequence,
		Extra: r.Extra, CreateTime: r.CreatedAt, UpdateTime: r.UpdatedAt}
}

type chatMemberRow struct {
	AppID     uint32 `gorm:"primaryKey;autoIncrement:false"`
	GroupID   string `gorm:"primaryKey"`
	MemberID  string `gorm:"primaryKey"`
	Role      int
	SpeakDate int64
	Alias     string
	JoinTime  int64
	LeaveTime int64
	JoinType  string
	Extra     string
	SyncSeq   int64
}

func (chatMemberRow) TableName() string { return "group_members" }

func toChatMemberRow(appID uint32, groupID string, m group.Member, seq int64) chatMemberRow {
	return chatMemberRow{AppID: appID, GroupID: groupID, MemberID: m.ID, Role: int(m.Role), SpeakDate: m.SpeakDate,
		Alias: m.Alias, JoinTime: m.JoinTime, LeaveTime: m.LeaveTime, JoinType: m.JoinType, Extra: m.Extra, SyncSeq: seq}
}

func (r chatMemberRow) member() group.Member {
	return group.Member{ID: r.MemberID, Role: group.Role(r.Role), SpeakDate: r.SpeakDate, Alias: r.Alias,
		JoinTime: r.JoinTime, LeaveTime: r.LeaveTime, JoinType: r.JoinType, Extra: r.Extra}
}

type chatRequestRow struct {
	AppID     uint32 `gorm:"primaryKey;autoIncrement:false"`
	GroupID   string `gorm:"primaryKey"`
	UserID    string `gorm:"primaryKey"`
	Message   string
	Status    int
	HandledBy string
	CreatedAt int64 `gorm:"autoCreateTime:false"`
	UpdatedAt int64 `gorm:"autoUpdateTime:false"`
}

func (chatRequestRow) TableName() string { return "group_join_requests" }

func (r chatRequestRow) request() group.JoinRequest {
	return group.JoinRequest{GroupID: r.GroupID, UserID: r.UserID, Message: r.Message, Status: r.Status,
		HandledBy: r.HandledBy, CreateTime: r.CreatedAt, UpdateTime: r.UpdatedAt}
}

// CreateGroup implements group.Store.
func (s *GroupStore) CreateGroup(ctx context.Context, appID uint32, g group.Group, members []group.Member) (int64, error) {
	var seq int64
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		var err error
		if seq, err = NextSeq(tx, appID, chatGroupSeqModule); err != nil {
			return err
		}
		g.Sequence = seq
		row := toChatGroupRow(appID, g)
		if err := tx.Create(&row).Error; s.db.sql.duplicate(err) {
			return errcode.GroupExists.With(g.ID)
		} else if err != nil {
			return fmt.Errorf("mariadb: create group: %w", err)
		}
		rows := make([]chatMemberRow, len(members))
		ids := make([]string, len(members))
		for i, m := range members {
			rows[i], ids[i] = toChatMemberRow(appID, g.ID, m, seq), m.ID
		}
		if err := tx.Create(&rows).Error; err != nil {
			return fmt.Errorf("mariadb: create group members: %w", err)
		}
		return MarkUserSeq(tx, appID, chatGroupSeqModule, seq, ids...)
	})
	return seq, err
}

// EditGroup implements group.Store: the group row is locked FOR UPDATE, so
// concurrent changes to one group serialise and each sees the last one.
func (s *GroupStore) EditGroup(ctx context.Context, appID uint32, groupID string, fn func(*group.State) (group.Edit, error)) (group.State, int64, error) {
	var (
		st  group.State
		seq int64
	)
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		var err error
		if st, err = chatGroupLoad(tx, appID, groupID); err != nil {
			return err
		}
		e, err := fn(&st)
		if err != nil {
			return err
		}
		seq, err = chatGroupSave(tx, appID, &st, e)
		return err
	})
	if err != nil {
		return group.State{}, 0, err
	}
	return st, seq, nil
}

func chatGroupLoad(tx *gorm.DB, appID uint32, groupID string) (group.State, error) {
	var g chatGroupRow
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("app_id = ? AND group_id = ?", appID, groupID).Take(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return group.State{}, errcode.GroupNotFound.With(groupID)
	}
	if err != nil {
		return group.State{}, fmt.Errorf("mariadb: load group: %w", err)
	}
	var members []chatMemberRow
	if err := tx.Where("app_id = ? AND group_id = ?", appID, groupID).Find(&members).Error; err != nil {
		return group.State{}, fmt.Errorf("mariadb: load group members: %w", err)
	}
	var reqs []chatRequestRow
	err = tx.Where("app_id = ? AND group_id = ? AND status = ?", appID, groupID, group.RequestPending).Find(&reqs).Error
	if err != nil {
		return group.State{}, fmt.Errorf("mariadb: load join requests: %w", err)
	}
	st := group.State{Group: g.group(), Members: make(map[string]*group.Member, len(members)),
		Requests: make(map[string]*group.JoinRequest, len(reqs))}
	for _, r := range members {
		m := r.member()
		st.Members[m.ID] = &m
	}
	for _, r := range reqs {
		q := r.request()
		st.Requests[q.UserID] = &q
	}
	return st, nil
}

// groupSave writes e. Member and group changes take one new sequence:
// saved member rows and, when the group changed, every current member's
// row are stamped with it, and so are those users' sequence marks.
func chatGroupSave(tx *gorm.DB, appID uint32, st *group.State, e group.Edit) (int64, error) {
	if err := chatGroupSaveRequests(tx, appID, st, e.Requests); err != nil || (!e.Group && len(e.Members) == 0) {
		return 0, err
	}
	seq, err := NextSeq(tx, appID, chatGroupSeqModule)
	if err != nil {
		return 0, err
	}
	marked := append([]string(nil), e.Members...)
	if e.Group {
		st.Group.Sequence = seq
		row := toChatGroupRow(appID, st.Group)
		if err := tx.Select("*").Save(&row).Error; err != nil {
			return 0, fmt.Errorf("mariadb: save group: %w", err)
		}
		for id, m := range st.Members {
			if m.Role.Current() {
				marked = append(marked, id)
			}
		}
	}
	marked = chatGroupDedup(marked)
	rows := make([]chatMemberRow, len(marked))
	for i, id := range marked {
		rows[i] = toChatMemberRow(appID, st.Group.ID, *st.Members[id], seq)
	}
	if err := upsertAll(tx, rows); err != nil {
		return 0, fmt.Errorf("mariadb: save group members: %w", err)
	}
	return seq, MarkUserSeq(tx, appID, chatGroupSeqModule, seq, marked...)
}

func chatGroupSaveRequests(tx *gorm.DB, appID uint32, st *group.State, ids []string) error {
	rows := make([]chatRequestRow, len(ids))
	for i, id := range ids {
		r := st.Requests[id]
		rows[i] = chatRequestRow{AppID: appID, GroupID: st.Group.ID, UserID: id, Message: r.Message, Status: r.Status,
			HandledBy: r.HandledBy, CreatedAt: r.CreateTime, UpdatedAt: r.UpdateTime}
	}
	if err := upsertAll(tx, rows); err != nil {
		return fmt.Errorf("mariadb: save join requests: %w", err)
	}
	return nil
}

// upsertAll writes rows (insert or replace every column) as multi-row
// statements of at most batchRows rows: a 2,000-member import is four
// statements, not 2,000.
func upsertAll[R any](tx *gorm.DB, rows []R) error {
	if len(rows) == 0 {
		return nil
	}
	return tx.Clauses(clause.OnConflict{UpdateAll: true}).CreateInBatches(&rows, batchRows).Error
}

func chatGroupDedup(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
