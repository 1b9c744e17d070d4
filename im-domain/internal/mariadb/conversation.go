package mariadb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/conversation"
)

var _ conversation.Store = (*DB)(nil)

// batchRows bounds one multi-row INSERT (a 500-member group is one).
const batchRows = 500

type conversationRow struct {
	AppID            uint32 `gorm:"primaryKey"`
	OwnerID          string `gorm:"primaryKey"`
	ConversationID   string `gorm:"primaryKey"`
	ConversationType int
	PeerID           string
	IsTop            int
	IsMute           int
	Deleted          int
	ReadSeq          int64
	MaxSeq           int64
	LastMsgKey       int64
	LastMsgFrom      string
	LastMsgPreview   string
	LastMsgTime      int64
	Sequence         int64
	CreatedAt        int64 `gorm:"autoCreateTime:false"`
	UpdatedAt        int64 `gorm:"autoUpdateTime:false"`
}

func (conversationRow) TableName() string { return "conversations" }

func (r conversationRow) conversation() conversation.Conversation {
	return conversation.Conversation{ConversationID: r.ConversationID, Type: conversation.Type(r.ConversationType),
		OwnerID: r.OwnerID, PeerID: r.PeerID, Top: r.IsTop, Mute: r.IsMute, Deleted: r.Deleted,
		ReadSeq: r.ReadSeq, MaxSeq: r.MaxSeq, Sequence: r.Sequence,
		Last: conversation.LastMessage{MessageKey: r.LastMsgKey, FromID: r.LastMsgFrom, Preview: r.LastMsgPreview, Time: r.LastMsgTime}}
}

// UpdateConversation implements conversation.Store. fn first runs on a
// plain read, so a no-op takes no lock and no sequence; a change then takes
// the owner's sequence counter BEFORE the row lock, the same order as
// WriteBehind, so the two can never deadlock.
func (d *DB) UpdateConversation(ctx context.Context, appID uint32, owner, conversationID string,
	fn func(*conversation.Conversation) bool) (conversation.Conversation, bool, error) {
	var (
		out     conversation.Conversation
		changed bool
	)
	err := d.Tx(ctx, func(tx *gorm.DB) error {
		c, err := loadConversation(tx, appID, owner, conversationID)
		if err != nil || !fn(&c) {
			out = c
			return err
		}
		seqs, err := NextUserSeqs(tx, appID, conversation.Module, []string{owner})
		if err != nil {
			return err
		}
		seq := seqs[owner]
		if c, err = loadConversation(tx.Clauses(clause.Locking{Strength: "UPDATE"}), appID, owner, conversationID); err != nil {
			return err
		}
		if out, changed = c, fn(&c); !changed {
			return errUnchanged // roll the counter back: marks stay equal to the newest row
		}
		c.Sequence, out = seq, c
		return saveConversation(tx, appID, c, seq)
	})
	if errors.Is(err, errUnchanged) {
		err = nil
	} else if err != nil && !errors.Is(err, errcode.ConversationNotFound) {
		err = fmt.Errorf("mariadb: update conversation: %w", err)
	}
	return out, changed, err
}

// errUnchanged rolls back an UpdateConversation whose fn changed nothing
// once the row was locked.
var errUnchanged = errors.New("mariadb: conversation unchanged")

func loadConversation(tx *gorm.DB, appID uint32, owner, conversationID string) (conversation.Conversation, error) {
	var r conversationRow
	err := tx.Where("app_id = ? AND owner_id = ? AND conversation_id = ?", appID, owner, conversationID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return conversation.Conversation{}, errcode.ConversationNotFound.With(conversationID)
	}
	return r.conversation(), err
}

func saveConversation(tx *gorm.DB, appID uint32, c conversation.Conversation, seq int64) error {
	return tx.Model(&conversationRow{}).
		Where("app_id = ? AND owner_id = ? AND conversation_id = ?", appID, c.OwnerID, c.ConversationID).
		Updates(map[string]any{"is_top": c.Top, "is_mute": c.Mute, "deleted": c.Deleted, "read_seq": c.ReadSeq,
			"sequence": seq, "updated_at": time.Now().UnixMilli()}).Error
}

// Conversations implements conversation.Store.
func (d *DB) Conversations(ctx context.Context, appID uint32, owner string, offset, limit int) ([]conversation.Conversation, int64, error) {
	q := d.Gorm.WithContext(ctx).Model(&conversationRow{}).Where("app_id = ? AND owner_id = ? AND deleted = 0", appID, owner)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("mariadb: count conversations: %w", err)
	}
	var rows []conversationRow
	err := q.Order("is_top DESC, last_msg_time DESC, conversation_id").Offset(offset).Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("mariadb: conversations: %w", err)
	}
	return conversations(rows), total, nil
}

// UnreadConversations implements conversation.Store.
func (d *DB) UnreadConversations(ctx context.Context, appID uint32, owner string) ([]conversation.Conversation, error) {
	var rows []conversationRow
	err := d.Gorm.WithContext(ctx).Where("app_id = ? AND owner_id = ? AND deleted = 0 AND max_seq > read_seq", appID, owner).
		Order("last_msg_time DESC, conversation_id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("mariadb: unread conversations: %w", err)
	}
	return conversations(rows), nil
}

// ConversationsAfter implements conversation.Store (strictly after).
func (d *DB) ConversationsAfter(ctx context.Context, appID uint32, owner string, after int64, limit int) ([]conversation.Conversation, error) {
	var rows []conversationRow
	err := d.Gorm.WithContext(ctx).Where("app_id = ? AND owner_id = ? AND sequence > ?", appID, owner, after).
		Order("sequence").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("mariadb: sync conversations: %w", err)
	}
	return conversations(rows), nil
}

// MaxConversationSequence implements conversation.Store: the owner's own
// maximum, not the app's.
func (d *DB) MaxConversationSequence(ctx context.Context, appID uint32, owner string) (int64, error) {
	var seq int64
	err := d.Gorm.WithContext(ctx).Raw("SELECT COALESCE(MAX(sequence), 0) FROM conversations WHERE app_id = ? AND owner_id = ?",
		appID, owner).Scan(&seq).Error
	if err != nil {
		return 0, fmt.Errorf("mariadb: max conversation sequence: %w", err)
	}
	return seq, nil
}

// ReadSeqs implements conversation.Store.
func (d *DB) ReadSeqs(ctx context.Context, appID uint32, owner string) (map[string]int64, error) {
	var rows []conversationRow
	err := d.Gorm.WithContext(ctx).Select("conversation_id", "read_seq").
		Where("app_id = ? AND owner_id = ?", appID, owner).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("mariadb: read seqs: %w", err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.ConversationID] = r.ReadSeq
	}
	return out, nil
}

// ReadCount implements conversation.Store: primary-key lookups of the
// owners' rows.
func (d *DB) ReadCount(ctx context.Context, appID uint32, conversationID string, seq int64, owners []string) (int, error) {
	var n int
	for start := 0; start < len(owners); start += batchRows {
		var part int
		err := d.Gorm.WithContext(ctx).Raw(`SELECT COUNT(*) FROM conversations
			WHERE app_id = ? AND owner_id IN ? AND conversation_id = ? AND read_seq >= ?`,
			appID, owners[start:min(start+batchRows, len(owners))], conversationID, seq).Scan(&part).Error
		if err != nil {
			return 0, fmt.Errorf("mariadb: read count: %w", err)
		}
		n += part
	}
	return n, nil
}

func conversations(rows []conversationRow) []conversation.Conversation {
	out := make([]conversation.Conversation, len(rows))
	for i, r := range rows {
		out[i] = r.conversation()
	}
	return out
}

// CreateConversation implements conversation.Store: the owner's counter
// is taken first, as in UpdateConversation, so the two never deadlock; an
// existing row rolls the counter back and is returned as it is.
func (d *DB) CreateConversation(ctx context.Context, appID uint32, c conversation.Conversation) (conversation.Conversation, bool, error) {
	created := false
	err := d.Tx(ctx, func(tx *gorm.DB) error {
		seqs, err := NextUserSeqs(tx, appID, conversation.Module, []string{c.OwnerID})
		if err != nil {
			return err
		}
		now := time.Now().UnixMilli()
		r := conversationRow{AppID: appID, OwnerID: c.OwnerID, ConversationID: c.ConversationID, ConversationType: int(c.Type),
			PeerID: c.PeerID, Sequence: seqs[c.OwnerID], CreatedAt: now, UpdatedAt: now}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&r)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errUnchanged
		}
		created, c = true, r.conversation()
		return nil
	})
	switch {
	case errors.Is(err, errUnchanged):
		c, err = loadConversation(d.Gorm.WithContext(ctx), appID, c.OwnerID, c.ConversationID)
	case err != nil:
		err = fmt.Errorf("mariadb: create conversation: %w", err)
	}
	return c, created, err
}
