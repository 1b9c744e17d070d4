package mariadb

// conversationMigrations: versions 300..399. One row per (app, owner,
// conversation): WhaleShark keyed im_conversation_set by (app_id,
// conversation_id) with the owner folded into the id; here the id is the
// shared mq form (p2p:a:b, group:g) and the owner is a key column, so every
// owner's row of one conversation shares its id.
var conversationMigrations = []Migration{
	{Version: 300, Name: "conversations", Statements: []string{`CREATE TABLE IF NOT EXISTS conversations (
	app_id            INT UNSIGNED NOT NULL,
	owner_id          VARCHAR(64)  NOT NULL,
	conversation_id   VARCHAR(200) NOT NULL COMMENT 'p2p:<a>:<b> (sorted) or group:<groupId>',
	conversation_type TINYINT      NOT NULL COMMENT '0 one-to-one, 1 group',
	peer_id           VARCHAR(64)  NOT NULL COMMENT 'the other user, or the group id',
	is_top            TINYINT(1)   NOT NULL DEFAULT 0,
	is_mute           TINYINT(1)   NOT NULL DEFAULT 0,
	deleted           TINYINT(1)   NOT NULL DEFAULT 0 COMMENT 'hidden until a new message arrives',
	read_seq          BIGINT       NOT NULL DEFAULT 0 COMMENT 'last message seq the owner has read; only grows',
	max_seq           BIGINT       NOT NULL DEFAULT 0 COMMENT 'seq of the latest message; only grows',
	last_msg_key      BIGINT       NOT NULL DEFAULT 0,
	last_msg_from     VARCHAR(64)  NOT NULL DEFAULT '',
	last_msg_preview  VARCHAR(512) NOT NULL DEFAULT '',
	last_msg_time     BIGINT       NOT NULL DEFAULT 0,
	sequence          BIGINT       NOT NULL COMMENT 'conversationSeq of the last change (sync)',
	created_at        BIGINT       NOT NULL,
	updated_at        BIGINT       NOT NULL,
	PRIMARY KEY (app_id, owner_id, conversation_id),
	KEY idx_conversations_sync (app_id, owner_id, sequence),
	KEY idx_conversations_list (app_id, owner_id, deleted, is_top, last_msg_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`}},

	// Ids compare byte for byte (see IDCollation).
	{Version: 301, Name: "conversations_binary_ids", Statements: binaryIDs("conversations")},
}
