package store

import (
	"github.com/whaleim/whaleim/im-common/messagedb"
	"github.com/whaleim/whaleim/im-common/mq"
)

// row is one im_message row as gorm writes it. It stays apart from
// mq.Message so the wire contract and the schema can change separately.
// The Go name of created_at is not CreatedAt on purpose: gorm would fill
// such a field with unix seconds by itself.
type row struct {
	AppID          uint32 `gorm:"column:app_id;primaryKey;autoIncrement:false"`
	ConversationID string `gorm:"column:conversation_id;primaryKey"`
	Seq            int64  `gorm:"column:seq;primaryKey;autoIncrement:false"`
	MessageKey     int64  `gorm:"column:message_key"`
	MessageID      string `gorm:"column:message_id"`
	Kind           string `gorm:"column:kind"`
	FromID         string `gorm:"column:from_id"`
	ToID           string `gorm:"column:to_id"`
	GroupID        string `gorm:"column:group_id"`
	Body           string `gorm:"column:body"`
	Extra          string `gorm:"column:extra"`
	MessageTime    int64  `gorm:"column:message_time"`
	Recalled       bool   `gorm:"column:recalled"`
	Inserted       int64  `gorm:"column:created_at"`
}

// TableName tells gorm the table of row.
func (row) TableName() string { return messagedb.Table }

// editedRow is a row inserted by an edit that overtook its message's
// insert; plain inserts leave the edited column to its default.
type editedRow struct {
	Row    row   `gorm:"embedded"`
	Edited int64 `gorm:"column:edited"`
}

// TableName tells gorm the table of editedRow.
func (editedRow) TableName() string { return messagedb.Table }

// rowOverhead approximates the bytes a row adds to an INSERT statement
// besides its body and extra, for sizing statements.
const rowOverhead = 512

func (r row) size() int { return len(r.Body) + len(r.Extra) + rowOverhead }

func toRow(m mq.Message, recalled bool, now int64) row {
	return row{
		AppID: m.AppID, ConversationID: m.ConversationID, Seq: m.Seq,
		MessageKey: m.MessageKey, MessageID: m.MessageID, Kind: string(m.Kind),
		FromID: m.FromID, ToID: m.ToID, GroupID: m.GroupID,
		Body: m.Body, Extra: m.Extra, MessageTime: m.Time,
		Recalled: recalled || m.Recalled, Inserted: now,
	}
}

// identity is the sender's key of a message: (app_id, from_id, message_id),
// the unique key that defines "the same message".
type identity struct {
	AppID     uint32 `gorm:"column:app_id"`
	FromID    string `gorm:"column:from_id"`
	MessageID string `gorm:"column:message_id"`
}

func identityOf(m mq.Message) identity {
	return identity{AppID: m.AppID, FromID: m.FromID, MessageID: m.MessageID}
}

func (id identity) tuple() []any { return []any{id.AppID, id.FromID, id.MessageID} }

// chunks splits rows into slices of at most maxRows rows and about maxBytes
// bytes, so that no statement nears the server's max_allowed_packet. A row
// larger than maxBytes gets a chunk of its own.
func chunks(rows []row, maxRows, maxBytes int) [][]row {
	var out [][]row
	start, size := 0, 0
	for i, r := range rows {
		if i > start && (i-start >= maxRows || size+r.size() > maxBytes) {
			out = append(out, rows[start:i])
			start, size = i, 0
		}
		size += r.size()
	}
	if start < len(rows) {
		out = append(out, rows[start:])
	}
	return out
}
