package messagedb

import (
	"context"
	"database/sql"
	"fmt"
)

// Table is the message history table.
const Table = "im_message"

// Column names of Table.
const (
	ColAppID          = "app_id"
	ColConversationID = "conversation_id" // mq.P2PConversation / mq.GroupConversation form
	ColSeq            = "seq"             // per conversation, assigned by the domain
	ColMessageKey     = "message_key"     // server-unique id
	ColMessageID      = "message_id"      // client-chosen UUID, unique per sender
	ColKind           = "kind"            // mq.ConversationKind: "p2p" or "group"
	ColFromID         = "from_id"
	ColToID           = "to_id"    // 1:1 receiver, "" for groups
	ColGroupID        = "group_id" // "" for 1:1
	ColBody           = "body"
	ColExtra          = "extra"
	ColMessageTime    = "message_time" // unix ms, assigned by the domain
	ColRecalled       = "recalled"     // 0 or 1, only ever set to 1
	ColEdited         = "edited"       // unix ms of the latest edit (its version), 0 never edited
	ColCreatedAt      = "created_at"   // unix ms when the store inserted the row
)

// Index names, for EXPLAIN checks and migrations.
const (
	IndexSender     = "uk_im_message_sender" // (app_id, from_id, message_id)
	IndexMessageKey = "uk_im_message_key"    // (app_id, message_key)
)

// Limits of the columns. Writers check them before the database does, so
// one oversized message is refused alone instead of failing a whole batch.
// VARCHAR limits count characters, the others bytes.
const (
	MaxConversationIDLen = 200
	MaxIDLen             = 64 // from_id, to_id, group_id
	MaxMessageIDLen      = 64
	MaxKindLen           = 8
	// MaxBodyBytes is far above the gateway's 64 KiB frame limit and far
	// below MEDIUMTEXT's 16 MiB and the server's max_allowed_packet.
	MaxBodyBytes  = 1 << 20
	MaxExtraBytes = 65535 // TEXT
)

// CreateTable creates Table if it does not exist. Every column is NOT NULL
// so readers never handle NULL; the string columns are utf8mb4_nopad_bin.
const CreateTable = `CREATE TABLE IF NOT EXISTS im_message (
  app_id          INT UNSIGNED NOT NULL,
  conversation_id VARCHAR(200) NOT NULL,
  seq             BIGINT       NOT NULL,
  message_key     BIGINT       NOT NULL,
  message_id      VARCHAR(64)  NOT NULL,
  kind            VARCHAR(8)   NOT NULL,
  from_id         VARCHAR(64)  NOT NULL,
  to_id           VARCHAR(64)  NOT NULL DEFAULT '',
  group_id        VARCHAR(64)  NOT NULL DEFAULT '',
  body            MEDIUMTEXT   NOT NULL,
  extra           TEXT         NOT NULL,
  message_time    BIGINT       NOT NULL,
  recalled        TINYINT(1)   NOT NULL DEFAULT 0,
  edited          BIGINT       NOT NULL DEFAULT 0,
  created_at      BIGINT       NOT NULL,
  PRIMARY KEY (app_id, conversation_id, seq),
  UNIQUE KEY uk_im_message_sender (app_id, from_id, message_id),
  UNIQUE KEY uk_im_message_key (app_id, message_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin`

// Columns returns every column of Table in DDL order.
func Columns() []string {
	return []string{
		ColAppID, ColConversationID, ColSeq, ColMessageKey, ColMessageID, ColKind,
		ColFromID, ColToID, ColGroupID, ColBody, ColExtra, ColMessageTime,
		ColRecalled, ColEdited, ColCreatedAt,
	}
}

// Execer runs a statement; *sql.DB, *sql.Conn and *sql.Tx satisfy it.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Ensure creates Table unless it exists, then Upgrades it.
func Ensure(ctx context.Context, db Execer) error {
	if _, err := db.ExecContext(ctx, CreateTable); err != nil {
		return fmt.Errorf("messagedb: create %s: %w", Table, err)
	}
	return Upgrade(ctx, db)
}

// Upgrade adds the columns a Table created by an older release lacks
// (edited). Both services call it at start, on MariaDB and SQLite alike,
// so it is idempotent and safe when the other service adds the same column
// at the same moment: a failed ADD COLUMN is an error only if the column
// is still missing after it.
func Upgrade(ctx context.Context, db Execer) error {
	has := func() bool {
		_, err := db.ExecContext(ctx, "UPDATE "+Table+" SET "+ColEdited+" = 0 WHERE 1 = 0")
		return err == nil
	}
	if has() {
		return nil
	}
	_, err := db.ExecContext(ctx, "ALTER TABLE "+Table+" ADD COLUMN "+ColEdited+" BIGINT NOT NULL DEFAULT 0")
	if err != nil && !has() {
		return fmt.Errorf("messagedb: add column %s: %w", ColEdited, err)
	}
	return nil
}
