package mariadb

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/whaleim/whaleim/im-common/messagedb"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/message"
)

var (
	_ message.Store     = (*DB)(nil)
	_ message.KeyBlocks = (*DB)(nil)
)

// ReserveSeqs raises the high-water mark of a conversation by n and
// returns the new mark: the block (hi-n, hi] belongs to the caller. The row
// lock of the update orders concurrent reservations.
func (d *DB) ReserveSeqs(ctx context.Context, appID uint32, conversation string, n int64) (int64, error) {
	var hi int64
	err := d.Tx(ctx, func(tx *gorm.DB) error {
		err := tx.Exec("INSERT INTO im_message_seq_hw (app_id, conversation_id, hi) VALUES (?, ?, ?)"+
			d.sql.upsert()+"hi = hi + ?", appID, conversation, n, n).Error
		if err != nil {
			return err
		}
		return tx.Raw("SELECT hi FROM im_message_seq_hw WHERE app_id = ? AND conversation_id = ?", appID, conversation).Scan(&hi).Error
	})
	if err != nil {
		return 0, fmt.Errorf("mariadb: reserve seqs: %w", err)
	}
	return hi, nil
}

// ReserveKeys implements message.KeyBlocks.
func (d *DB) ReserveKeys(ctx context.Context, n int64) (int64, error) {
	var hi int64
	err := d.Tx(ctx, func(tx *gorm.DB) error {
		err := tx.Exec("INSERT INTO im_message_key_hw (id, hi) VALUES (1, ?)"+d.sql.upsert()+"hi = hi + ?", n, n).Error
		if err != nil {
			return err
		}
		return tx.Raw("SELECT hi FROM im_message_key_hw WHERE id = 1").Scan(&hi).Error
	})
	if err != nil {
		return 0, fmt.Errorf("mariadb: reserve message keys: %w", err)
	}
	return hi, nil
}

var messageCols = strings.Join([]string{messagedb.ColAppID, messagedb.ColKind, messagedb.ColConversationID,
	messagedb.ColFromID, messagedb.ColToID, messagedb.ColGroupID, messagedb.ColMessageID, messagedb.ColMessageKey,
	messagedb.ColSeq, messagedb.ColBody, messagedb.ColExtra, messagedb.ColMessageTime, messagedb.ColRecalled,
	messagedb.ColEdited}, ", ")

type messageRow struct {
	AppID          uint32
	Kind           string
	ConversationID string
	FromID         string
	ToID           string
	GroupID        string
	MessageID      string
	MessageKey     int64
	Seq            int64
	Body           string
	Extra          string
	MessageTime    int64
	Recalled       bool
	Edited         int64
}

func (r messageRow) message() mq.Message {
	return mq.Message{AppID: r.AppID, Kind: mq.ConversationKind(r.Kind), ConversationID: r.ConversationID,
		FromID: r.FromID, ToID: r.ToID, GroupID: r.GroupID, MessageID: r.MessageID, MessageKey: r.MessageKey,
		Seq: r.Seq, Body: r.Body, Extra: r.Extra, Time: r.MessageTime, Recalled: r.Recalled, Edited: r.Edited}
}

func (d *DB) messages(ctx context.Context, where string, args ...any) ([]mq.Message, error) {
	var rows []messageRow
	q := "SELECT " + messageCols + " FROM " + messagedb.Table + " WHERE " + where
	if err := d.Gorm.WithContext(ctx).Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("mariadb: messages: %w", err)
	}
	out := make([]mq.Message, len(rows))
	for i, r := range rows {
		out[i] = r.message()
	}
	return out, nil
}

func (d *DB) oneMessage(ctx context.Context, where string, args ...any) (mq.Message, bool, error) {
	ms, err := d.messages(ctx, where+" LIMIT 1", args...)
	if err != nil || len(ms) == 0 {
		return mq.Message{}, false, err
	}
	return ms[0], true, nil
}

// StoredAll implements message.Store: lookups on the unique sender key, one
// row-constructor IN query per chunk of keys (MariaDB plans it as index
// dives like the equivalent ORed conditions, in half the time).
func (d *DB) StoredAll(ctx context.Context, keys []message.SenderKey) (map[message.SenderKey]mq.Message, error) {
	out := map[message.SenderKey]mq.Message{}
	for len(keys) > 0 {
		chunk := keys[:min(len(keys), d.sql.rows())]
		keys = keys[len(chunk):]
		tuples := make([][]any, len(chunk))
		for i, k := range chunk {
			tuples[i] = []any{k.AppID, k.FromID, k.MessageID}
		}
		where, args := d.sql.tupleIn("app_id, from_id, message_id", tuples)
		ms, err := d.messages(ctx, where, args...)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			out[message.SenderKey{AppID: m.AppID, FromID: m.FromID, MessageID: m.MessageID}] = m
		}
	}
	return out, nil
}

// ByKey implements message.Store.
func (d *DB) ByKey(ctx context.Context, appID uint32, key int64) (mq.Message, bool, error) {
	return d.oneMessage(ctx, "app_id = ? AND message_key = ?", appID, key)
}

// BySeq implements message.Store: a primary-key lookup.
func (d *DB) BySeq(ctx context.Context, appID uint32, conversation string, seq int64) (mq.Message, bool, error) {
	return d.oneMessage(ctx, "app_id = ? AND conversation_id = ? AND seq = ?", appID, conversation, seq)
}

// Range implements message.Store: an ascending primary-key range scan.
func (d *DB) Range(ctx context.Context, appID uint32, conversation string, after, upto int64, limit int) ([]mq.Message, error) {
	return d.messages(ctx, "app_id = ? AND conversation_id = ? AND seq > ? AND seq <= ? ORDER BY seq ASC LIMIT ?",
		appID, conversation, after, upto, limit)
}

// Before implements message.Store: a descending primary-key range scan.
func (d *DB) Before(ctx context.Context, appID uint32, conversation string, before int64, limit int) ([]mq.Message, error) {
	return d.messages(ctx, "app_id = ? AND conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
		appID, conversation, before, limit)
}

// MaxSeqs implements message.Store.
func (d *DB) MaxSeqs(ctx context.Context, appID uint32, conversations []string) (map[string]int64, error) {
	out := make(map[string]int64, len(conversations))
	for _, c := range conversations { // one index dive each: MAX over the primary key prefix
		var seq *int64
		err := d.Gorm.WithContext(ctx).Raw("SELECT MAX(seq) FROM "+messagedb.Table+" WHERE app_id = ? AND conversation_id = ?",
			appID, c).Scan(&seq).Error
		if err != nil {
			return nil, fmt.Errorf("mariadb: max seq: %w", err)
		}
		if seq != nil {
			out[c] = *seq
		}
	}
	return out, nil
}
