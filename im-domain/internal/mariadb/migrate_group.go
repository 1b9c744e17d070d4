package mariadb

// groupMigrations: versions 200..299. chat_groups avoids GROUPS, a
// reserved word since MySQL 8.0.2.
var groupMigrations = []Migration{
	{Version: 200, Name: "groups", Statements: []string{`CREATE TABLE IF NOT EXISTS chat_groups (
	app_id           INT UNSIGNED  NOT NULL,
	group_id         VARCHAR(64)   NOT NULL,
	owner_id         VARCHAR(64)   NOT NULL,
	group_type       TINYINT       NOT NULL COMMENT '1 private, 2 public',
	group_name       VARCHAR(100)  NOT NULL,
	mute             TINYINT(1)    NOT NULL DEFAULT 0 COMMENT '1: only owner and managers speak',
	apply_join_type  TINYINT       NOT NULL DEFAULT 0 COMMENT '0 forbidden, 1 approval, 2 free',
	photo            VARCHAR(1024) NOT NULL DEFAULT '',
	max_member_count INT           NOT NULL,
	introduction     VARCHAR(1024) NOT NULL DEFAULT '',
	notification     VARCHAR(1024) NOT NULL DEFAULT '',
	status           TINYINT       NOT NULL DEFAULT 1 COMMENT '1 normal, 2 destroyed',
	sequence         BIGINT        NOT NULL DEFAULT 0 COMMENT 'groupSeq of the last profile change',
	extra            TEXT          NULL,
	created_at       BIGINT        NOT NULL,
	updated_at       BIGINT        NOT NULL,
	PRIMARY KEY (app_id, group_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
		// One row per (app, group, member): double adds are impossible, a
		// re-join updates the row. sync_seq is the groupSeq of the last
		// change this member must sync (joined-group sync by member).
		`CREATE TABLE IF NOT EXISTS group_members (
	app_id     INT UNSIGNED NOT NULL,
	group_id   VARCHAR(64)  NOT NULL,
	member_id  VARCHAR(64)  NOT NULL,
	role       TINYINT      NOT NULL DEFAULT 0 COMMENT '0 member, 1 manager, 2 owner, 3 left',
	speak_date BIGINT       NOT NULL DEFAULT 0 COMMENT 'muted until, unix ms',
	alias      VARCHAR(100) NOT NULL DEFAULT '',
	join_time  BIGINT       NOT NULL,
	leave_time BIGINT       NOT NULL DEFAULT 0,
	join_type  VARCHAR(16)  NOT NULL DEFAULT '',
	extra      TEXT         NULL,
	sync_seq   BIGINT       NOT NULL DEFAULT 0,
	PRIMARY KEY (app_id, group_id, member_id),
	KEY idx_group_members_sync (app_id, member_id, sync_seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
		`CREATE TABLE IF NOT EXISTS group_join_requests (
	app_id     INT UNSIGNED NOT NULL,
	group_id   VARCHAR(64)  NOT NULL,
	user_id    VARCHAR(64)  NOT NULL,
	message    VARCHAR(512) NOT NULL DEFAULT '',
	status     TINYINT      NOT NULL DEFAULT 0 COMMENT '0 pending, 1 approved, 2 rejected',
	handled_by VARCHAR(64)  NOT NULL DEFAULT '',
	created_at BIGINT       NOT NULL,
	updated_at BIGINT       NOT NULL,
	PRIMARY KEY (app_id, group_id, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
	}},

	// Ids compare byte for byte (see IDCollation).
	{Version: 201, Name: "groups_binary_ids", Statements: binaryIDs("chat_groups", "group_members", "group_join_requests")},
}
