package mariadb

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/whaleim/whaleim/im-domain/internal/conversation"
)

// WriteBehind implements conversation.Store: one transaction per flush of
// the conversation feature's write-behind buffer. The owners' sequence
// counters are locked first (sorted, as NextUserSeqs does), then the rows:
// the same order as UpdateConversation, so the two never deadlock. The
// statements use MySQL's VALUES(col) in ON DUPLICATE KEY UPDATE.
func (d *DB) WriteBehind(ctx context.Context, b conversation.Batch) ([]conversation.Position, error) {
	var missing []conversation.Position
	now := time.Now().UnixMilli()
	err := d.Tx(ctx, func(tx *gorm.DB) error {
		reads, miss, err := movingReads(tx, d.sql, b.Reads)
		if err != nil {
			return err
		}
		missing = miss
		rows := behindRows(b.Rows, now)
		if err := stampSequences(tx, pointers(rows, reads)); err != nil {
			return err
		}
		if err := upsertRows(tx, d.sql, rows, touchedAssignments(d.sql)); err != nil {
			return err
		}
		if err := upsertRows(tx, d.sql, reads, readAssignments(d.sql)); err != nil {
			return err
		}
		return forwardReceived(tx, d.sql, b.Received)
	})
	if err != nil {
		return nil, fmt.Errorf("mariadb: write behind: %w", err)
	}
	return missing, nil
}

func behindRows(in []conversation.Row, now int64) []conversationRow {
	out := make([]conversationRow, len(in))
	for i, r := range in {
		out[i] = conversationRow{AppID: r.AppID, OwnerID: r.Owner, ConversationID: r.ConversationID,
			ConversationType: int(r.Type), PeerID: r.PeerID, ReadSeq: r.ReadSeq, MaxSeq: r.MaxSeq,
			LastMsgKey: r.Last.MessageKey, LastMsgFrom: r.Last.FromID, LastMsgPreview: r.Last.Preview,
			LastMsgTime: r.Last.Time, CreatedAt: now, UpdatedAt: now}
	}
	return out
}

// movingReads loads the rows of reads and returns those whose read_seq the
// read moves forward, with read_seq set, and the reads without a row.
func movingReads(tx *gorm.DB, sql dialect, reads []conversation.Position) ([]conversationRow, []conversation.Position, error) {
	type key struct {
		app         uint32
		owner, conv string
	}
	found := map[key]conversationRow{}
	for app, part := range byApp(reads) {
		for chunk := range slices.Chunk(part, sql.rows()) {
			tuples := make([][]any, len(chunk))
			for i, p := range chunk {
				tuples[i] = []any{p.Owner, p.ConversationID}
			}
			var rows []conversationRow
			in, args := sql.tupleIn("owner_id, conversation_id", tuples)
			if err := tx.Where("app_id = ? AND "+in, append([]any{app}, args...)...).Find(&rows).Error; err != nil {
				return nil, nil, err
			}
			for _, r := range rows {
				found[key{app, r.OwnerID, r.ConversationID}] = r
			}
		}
	}
	var moving []conversationRow
	var missing []conversation.Position
	now := time.Now().UnixMilli()
	for _, p := range reads {
		r, ok := found[key{p.AppID, p.Owner, p.ConversationID}]
		switch {
		case !ok:
			missing = append(missing, p)
		case r.ReadSeq < p.Seq:
			r.ReadSeq, r.UpdatedAt = p.Seq, now
			moving = append(moving, r)
		}
	}
	return moving, missing, nil
}

func byApp(ps []conversation.Position) map[uint32][]conversation.Position {
	out := map[uint32][]conversation.Position{}
	for _, p := range ps {
		out[p.AppID] = append(out[p.AppID], p)
	}
	return out
}

func pointers(lists ...[]conversationRow) []*conversationRow {
	var out []*conversationRow
	for _, l := range lists {
		for i := range l {
			out = append(out, &l[i])
		}
	}
	return out
}

// stampSequences gives every row a new sync sequence of its owner: an owner
// with n rows gets the n sequences its counter advanced by, in
// conversation order.
func stampSequences(tx *gorm.DB, rows []*conversationRow) error {
	slices.SortFunc(rows, func(a, b *conversationRow) int {
		return cmp.Or(cmp.Compare(a.AppID, b.AppID), strings.Compare(a.OwnerID, b.OwnerID), strings.Compare(a.ConversationID, b.ConversationID))
	})
	for start := 0; start < len(rows); {
		app := rows[start].AppID
		end := start
		counts := map[string]int{}
		for ; end < len(rows) && rows[end].AppID == app; end++ {
			counts[rows[end].OwnerID]++
		}
		hi, err := ReserveUserSeqs(tx, app, conversation.Module, counts)
		if err != nil {
			return err
		}
		for i := end - 1; i >= start; i-- { // the owner's last row gets its hi
			rows[i].Sequence = hi[rows[i].OwnerID]
			hi[rows[i].OwnerID]--
		}
		start = end
	}
	return nil
}

// touchedAssignments update a row with the messages of a flush. The
// summary columns are assigned before max_seq so that MySQL's left-to-right
// evaluation still compares against the old max_seq (SQLite evaluates every
// assignment against the old row).
func touchedAssignments(sql dialect) []clause.Assignment {
	newer := func(col string) clause.Assignment {
		return clause.Assignment{Column: clause.Column{Name: col},
			Value: gorm.Expr("CASE WHEN max_seq < " + sql.incoming("max_seq") + " THEN " + sql.incoming(col) + " ELSE " + col + " END")}
	}
	return append([]clause.Assignment{
		newer("last_msg_key"), newer("last_msg_from"), newer("last_msg_preview"), newer("last_msg_time"),
		{Column: clause.Column{Name: "max_seq"}, Value: gorm.Expr(sql.greatest("max_seq", sql.incoming("max_seq")))},
		{Column: clause.Column{Name: "read_seq"}, Value: gorm.Expr(sql.greatest("read_seq", sql.incoming("read_seq")))},
		{Column: clause.Column{Name: "deleted"}, Value: 0},
	}, clause.AssignmentColumns([]string{"updated_at", "sequence"})...)
}

// readAssignments move an existing row's read position; the inserted
// values are the row as just read, so the insert branch cannot add junk.
func readAssignments(sql dialect) []clause.Assignment {
	return append([]clause.Assignment{
		{Column: clause.Column{Name: "read_seq"}, Value: gorm.Expr(sql.greatest("read_seq", sql.incoming("read_seq")))},
	}, clause.AssignmentColumns([]string{"updated_at", "sequence"})...)
}

func upsertRows(tx *gorm.DB, sql dialect, rows []conversationRow, set []clause.Assignment) error {
	if len(rows) == 0 {
		return nil
	}
	return tx.Clauses(clause.OnConflict{DoUpdates: set}).CreateInBatches(&rows, sql.rows()).Error
}

// forwardReceived moves receive cursors forward only, one multi-row upsert
// per sql.rows() positions, in key order so that concurrent flushes lock rows in one order.
func forwardReceived(tx *gorm.DB, sql dialect, ps []conversation.Position) error {
	slices.SortFunc(ps, func(a, b conversation.Position) int {
		return cmp.Or(cmp.Compare(a.AppID, b.AppID), strings.Compare(a.Owner, b.Owner), strings.Compare(a.ConversationID, b.ConversationID))
	})
	for chunk := range slices.Chunk(ps, sql.rows()) {
		args := make([]any, 0, 4*len(chunk))
		for _, p := range chunk {
			args = append(args, p.AppID, p.Owner, p.ConversationID, p.Seq)
		}
		q := "INSERT INTO im_message_user_conv (app_id, user_id, conversation_id, recv_seq) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", len(chunk)), ", ") +
			sql.upsert() + "recv_seq = " + sql.greatest("recv_seq", sql.incoming("recv_seq"))
		if err := tx.Exec(q, args...).Error; err != nil {
			return fmt.Errorf("receive cursors: %w", err)
		}
	}
	return nil
}
