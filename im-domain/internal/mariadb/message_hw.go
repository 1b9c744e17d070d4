package mariadb

import (
	"context"
	"fmt"
	"slices"
)

// SeqHighWater returns the durable high-water mark of each conversation's
// seqs (im_message_seq_hw.hi): no seq above it was ever handed out.
// Conversations without a mark (no message yet) are absent.
func (d *DB) SeqHighWater(ctx context.Context, appID uint32, conversations []string) (map[string]int64, error) {
	out := make(map[string]int64, len(conversations))
	for chunk := range slices.Chunk(conversations, batchRows) {
		var rows []struct {
			ConversationID string
			Hi             int64
		}
		err := d.Gorm.WithContext(ctx).Raw("SELECT conversation_id, hi FROM im_message_seq_hw WHERE app_id = ? AND conversation_id IN ?",
			appID, chunk).Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("mariadb: seq high-water: %w", err)
		}
		for _, r := range rows {
			out[r.ConversationID] = r.Hi
		}
	}
	return out, nil
}
