package mariadb

// appsUsersMigrations: versions 1..99. Statements use IF NOT EXISTS so a
// step interrupted between its DDL and its schema_migrations row reruns
// cleanly. All times are BIGINT unix milliseconds, as in WhaleShark.
var appsUsersMigrations = []Migration{
	{Version: 1, Name: "apps", Statements: []string{`CREATE TABLE IF NOT EXISTS apps (
	app_id                  INT UNSIGNED  NOT NULL PRIMARY KEY,
	secret                  VARCHAR(128)  NOT NULL COMMENT 'HMAC key of user signs; must stay readable to verify',
	admins                  VARCHAR(1024) NOT NULL DEFAULT '[]' COMMENT 'JSON array of admin identifiers',
	multi_device_policy     TINYINT       NOT NULL DEFAULT 3 COMMENT '1 one, 2 one+web, 3 mobile+desktop+web, 4 unlimited',
	friend_check_on_send    TINYINT(1)    NOT NULL DEFAULT 0,
	blacklist_check_on_send TINYINT(1)    NOT NULL DEFAULT 1,
	callback_url            VARCHAR(1024) NOT NULL DEFAULT '',
	callbacks               VARCHAR(2048) NOT NULL DEFAULT '[]' COMMENT 'JSON array of enabled callback names',
	callback_fail_open      TINYINT(1)    NOT NULL DEFAULT 1 COMMENT 'proceed when a before-callback fails',
	callback_timeout_ms     INT           NOT NULL DEFAULT 2000,
	recall_window_sec       INT           NOT NULL DEFAULT 120,
	max_group_size          INT           NOT NULL DEFAULT 500,
	route_strategy          TINYINT       NOT NULL DEFAULT 3 COMMENT 'login routing: 1 random, 2 round robin, 3 consistent hash',
	created_at              BIGINT        NOT NULL,
	updated_at              BIGINT        NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`}},

	// users replaces WhaleShark's im_user_data WITHOUT its password column:
	// the IM never authenticates users by password (app back-ends issue
	// user signs), and WhaleShark stored them in plaintext and pushed them
	// in 4000 notifications.
	{Version: 2, Name: "users", Statements: []string{`CREATE TABLE IF NOT EXISTS users (
	app_id            INT UNSIGNED  NOT NULL,
	user_id           VARCHAR(64)   NOT NULL,
	nick_name         VARCHAR(128)  NOT NULL DEFAULT '',
	photo             VARCHAR(1024) NOT NULL DEFAULT '',
	user_sex          TINYINT       NOT NULL DEFAULT 0,
	birth_day         VARCHAR(32)   NOT NULL DEFAULT '',
	location          VARCHAR(255)  NOT NULL DEFAULT '',
	self_signature    VARCHAR(512)  NOT NULL DEFAULT '',
	friend_allow_type TINYINT       NOT NULL DEFAULT 1 COMMENT '1 no verification, 2 needs verification',
	forbidden_flag    TINYINT(1)    NOT NULL DEFAULT 0,
	silent_flag       TINYINT(1)    NOT NULL DEFAULT 0 COMMENT 'muted',
	user_type         TINYINT       NOT NULL DEFAULT 1 COMMENT '1 normal, 100 app admin',
	del_flag          TINYINT(1)    NOT NULL DEFAULT 0 COMMENT 'soft delete',
	extra             TEXT          NULL,
	created_at        BIGINT        NOT NULL,
	updated_at        BIGINT        NOT NULL,
	PRIMARY KEY (app_id, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`}},

	// seq_counters hands out per-app, per-module sync sequences inside the
	// transaction of the change (seq.go); user_sequences keeps each user's
	// latest sequence per module for getUserSequence and is the per-user
	// counter itself for per-user modules (conversations, NextUserSeqs).
	{Version: 3, Name: "sequences", Statements: []string{
		`CREATE TABLE IF NOT EXISTS seq_counters (
	app_id INT UNSIGNED NOT NULL,
	module VARCHAR(64)  NOT NULL,
	seq    BIGINT       NOT NULL DEFAULT 0,
	PRIMARY KEY (app_id, module)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
		`CREATE TABLE IF NOT EXISTS user_sequences (
	app_id  INT UNSIGNED NOT NULL,
	user_id VARCHAR(64)  NOT NULL,
	module  VARCHAR(64)  NOT NULL,
	seq     BIGINT       NOT NULL DEFAULT 0,
	PRIMARY KEY (app_id, user_id, module)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
	}},

	// Ids compare byte for byte (see IDCollation).
	{Version: 4, Name: "apps_users_binary_ids", Statements: binaryIDs("apps", "users", "seq_counters", "user_sequences")},

	// Secret rotation over REST: the replaced secret verifies until
	// prev_secret_until; configured_secret_sha is the IM_APP_SECRET last
	// applied at start-up (app.Service.Bootstrap).
	{Version: 5, Name: "apps_secret_rotation", Statements: []string{`ALTER TABLE apps
	ADD COLUMN IF NOT EXISTS prev_secret           VARCHAR(128) NOT NULL DEFAULT '' COMMENT 'secret replaced by the last rotation',
	ADD COLUMN IF NOT EXISTS prev_secret_until     BIGINT       NOT NULL DEFAULT 0  COMMENT 'prev_secret verifies until then (unix ms)',
	ADD COLUMN IF NOT EXISTS configured_secret_sha CHAR(64)     NOT NULL DEFAULT '' COMMENT 'SHA-256 hex of the IM_APP_SECRET last applied'`}},

	// How long after sending its sender may edit a message (0: never).
	{Version: 6, Name: "apps_edit_window", Statements: []string{`ALTER TABLE apps
	ADD COLUMN IF NOT EXISTS edit_window_sec INT NOT NULL DEFAULT 86400 COMMENT 'edit window in seconds, 0: no edits'`}},
}
