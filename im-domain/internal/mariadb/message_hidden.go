package mariadb

import (
	"context"
	"fmt"
	"strings"
)

// Hide implements message.Store: one row per hidden message, kept if
// present, in one statement.
func (d *DB) Hide(ctx context.Context, appID uint32, userID, conversation string, seqs []int64) error {
	if len(seqs) == 0 {
		return nil
	}
	args := make([]any, 0, 4*len(seqs))
	for _, seq := range seqs {
		args = append(args, appID, userID, conversation, seq)
	}
	err := d.Gorm.WithContext(ctx).Exec(d.sql.insertIgnore()+` INTO im_message_hidden (app_id, user_id, conversation_id, seq) VALUES `+
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", len(seqs)), ", "), args...).Error
	if err != nil {
		return fmt.Errorf("mariadb: hide messages: %w", err)
	}
	return nil
}

// Hidden implements message.Store: a primary-key range scan.
func (d *DB) Hidden(ctx context.Context, appID uint32, userID, conversation string, from, to int64) (map[int64]bool, error) {
	var seqs []int64
	err := d.Gorm.WithContext(ctx).Raw(`SELECT seq FROM im_message_hidden
		WHERE app_id = ? AND user_id = ? AND conversation_id = ? AND seq >= ? AND seq <= ?`,
		appID, userID, conversation, from, to).Scan(&seqs).Error
	if err != nil {
		return nil, fmt.Errorf("mariadb: hidden messages: %w", err)
	}
	out := make(map[int64]bool, len(seqs))
	for _, s := range seqs {
		out[s] = true
	}
	return out, nil
}
