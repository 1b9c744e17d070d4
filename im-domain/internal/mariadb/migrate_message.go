package mariadb

import "github.com/whaleim/whaleim/im-common/messagedb"

// messageMigrations: versions 400..499. The message table itself is defined
// once in im-common/messagedb (the store writes it); the domain only makes
// sure it exists. The other tables are the domain's own message state.
var messageMigrations = []Migration{
	{Version: 400, Name: "im_message", Statements: []string{messagedb.CreateTable}},

	// Durable high-water marks of the per-conversation seqs: Redis serves
	// seqs from a block reserved here, so a Redis flush or restart can
	// never reuse or lower a seq (the next block starts above hi).
	{Version: 401, Name: "im_message_seq_hw", Statements: []string{`CREATE TABLE IF NOT EXISTS im_message_seq_hw (
	app_id          INT UNSIGNED NOT NULL,
	conversation_id VARCHAR(200) NOT NULL,
	hi              BIGINT       NOT NULL COMMENT 'no seq above hi was ever handed out',
	PRIMARY KEY (app_id, conversation_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`}},

	// One row: every domain node reserves message keys in blocks here.
	{Version: 402, Name: "im_message_key_hw", Statements: []string{`CREATE TABLE IF NOT EXISTS im_message_key_hw (
	id TINYINT NOT NULL PRIMARY KEY,
	hi BIGINT  NOT NULL COMMENT 'no message key above hi was ever handed out'
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`}},

	// Per-user state of a conversation: cursors that only move forward and
	// the mark below which the user cleared (deleted for themselves) the
	// history. The secondary key answers "read by N of M".
	{Version: 403, Name: "im_message_user_conv", Statements: []string{`CREATE TABLE IF NOT EXISTS im_message_user_conv (
	app_id          INT UNSIGNED NOT NULL,
	user_id         VARCHAR(64)  NOT NULL,
	conversation_id VARCHAR(200) NOT NULL,
	recv_seq        BIGINT       NOT NULL DEFAULT 0,
	read_seq        BIGINT       NOT NULL DEFAULT 0,
	cleared_seq     BIGINT       NOT NULL DEFAULT 0,
	PRIMARY KEY (app_id, user_id, conversation_id),
	KEY idx_im_message_user_conv_read (app_id, conversation_id, read_seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`}},

	// One read position per user and conversation: conversations.read_seq
	// (the REST read, the unread counts and "read by N of M" all use it).
	// The message core's former read cursor is folded into it (forward
	// only, so no read is lost) and then dropped. Conversation migrations
	// (300..) ran before.
	{Version: 404, Name: "im_message_user_conv_drop_read_seq", Statements: []string{
		`UPDATE conversations c JOIN im_message_user_conv u
	ON c.app_id = u.app_id AND c.owner_id = u.user_id COLLATE utf8mb4_bin AND c.conversation_id = u.conversation_id COLLATE utf8mb4_bin
	SET c.read_seq = u.read_seq WHERE u.read_seq > c.read_seq`,
		`ALTER TABLE im_message_user_conv DROP INDEX idx_im_message_user_conv_read, DROP COLUMN read_seq`,
	}, SQLite: []string{
		`UPDATE conversations SET read_seq = u.read_seq FROM im_message_user_conv u
	WHERE conversations.app_id = u.app_id AND conversations.owner_id = u.user_id
	AND conversations.conversation_id = u.conversation_id AND u.read_seq > conversations.read_seq`,
		`DROP INDEX IF EXISTS idx_im_message_user_conv_read`,
		`ALTER TABLE im_message_user_conv DROP COLUMN read_seq`,
	}},

	// utf8mb4_bin is PAD SPACE ("x2 " = "x2"): ids compare byte for byte
	// with NO PAD (see IDCollation). im_message is the store's table; a
	// fresh one is created with IDCollation already (messagedb.CreateTable).
	{Version: 405, Name: "message_binary_ids", Statements: binaryIDs("im_message", "im_message_seq_hw", "im_message_user_conv")},

	// Messages a user deleted for themselves ("delete for me"): their
	// pulls, syncs and history skip them; other users keep them.
	{Version: 406, Name: "im_message_hidden", Statements: []string{`CREATE TABLE IF NOT EXISTS im_message_hidden (
	app_id          INT UNSIGNED NOT NULL,
	user_id         VARCHAR(64)  NOT NULL,
	conversation_id VARCHAR(200) NOT NULL,
	seq             BIGINT       NOT NULL,
	PRIMARY KEY (app_id, user_id, conversation_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin`}},
}
