package mariadb

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/whaleim/whaleim/im-domain/internal/message"
)

// Touch implements message.Store: one row per participant, kept if
// present, in one statement.
func (d *DB) Touch(ctx context.Context, appID uint32, conversation string, users ...string) error {
	if len(users) == 0 {
		return nil
	}
	args := make([]any, 0, 3*len(users))
	for _, u := range slices.Sorted(slices.Values(users)) { // key order, as the write-behind's upserts
		args = append(args, appID, u, conversation)
	}
	err := d.Gorm.WithContext(ctx).Exec(d.sql.insertIgnore()+` INTO im_message_user_conv (app_id, user_id, conversation_id) VALUES `+
		strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", len(users)), ", "), args...).Error
	if err != nil {
		return fmt.Errorf("mariadb: touch conversation: %w", err)
	}
	return nil
}

// Touched implements message.Store.
func (d *DB) Touched(ctx context.Context, appID uint32, userID, conversation string) (bool, error) {
	var n int
	err := d.Gorm.WithContext(ctx).Raw(`SELECT COUNT(*) FROM im_message_user_conv
		WHERE app_id = ? AND user_id = ? AND conversation_id = ?`, appID, userID, conversation).Scan(&n).Error
	if err != nil {
		return false, fmt.Errorf("mariadb: touched: %w", err)
	}
	return n > 0, nil
}

// Forward implements message.Store. The guard is on the cursor's own
// column (WhaleShark compared the wrong one and let read marks go back).
// The domain sends receive cursors through the conversation feature's
// write-behind instead (clamped, batched: WriteBehind); this writes at once.
func (d *DB) Forward(ctx context.Context, appID uint32, userID, conversation string, c message.Cursor, seq int64) error {
	col := string(c)
	switch c {
	case message.CursorReceive, message.CursorCleared:
	default:
		return fmt.Errorf("mariadb: unknown cursor %q", c)
	}
	err := d.Gorm.WithContext(ctx).Exec(`INSERT INTO im_message_user_conv (app_id, user_id, conversation_id, `+col+`)
		VALUES (?, ?, ?, ?)`+d.sql.upsert()+col+` = `+d.sql.greatest(col, d.sql.incoming(col)),
		appID, userID, conversation, seq).Error
	if err != nil {
		return fmt.Errorf("mariadb: forward %s: %w", col, err)
	}
	return nil
}

// Cursors implements message.Store.
func (d *DB) Cursors(ctx context.Context, appID uint32, userID string) ([]message.UserConversation, error) {
	var rows []struct {
		ConversationID      string
		RecvSeq, ClearedSeq int64
	}
	err := d.Gorm.WithContext(ctx).Raw(`SELECT conversation_id, recv_seq, cleared_seq
		FROM im_message_user_conv WHERE app_id = ? AND user_id = ?`, appID, userID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("mariadb: cursors: %w", err)
	}
	out := make([]message.UserConversation, len(rows))
	for i, r := range rows {
		out[i] = message.UserConversation{Conversation: r.ConversationID, ReceiveSeq: r.RecvSeq, ClearedSeq: r.ClearedSeq}
	}
	return out, nil
}
