package mariadb

// friendMigrations: versions 100..199 (friendships, friend requests,
// friend groups). Each list has a (app, owner, sequence) index for
// incremental sync, which WhaleShark lacked.
var friendMigrations = []Migration{
	// friendships replaces im_friendship: directional rows A->B; rows are
	// never deleted (status 2 is the sync tombstone); one sequence column
	// for every change of the row, friend or black.
	{Version: 100, Name: "friendships", Statements: []string{`CREATE TABLE IF NOT EXISTS friendships (
	app_id      INT UNSIGNED NOT NULL,
	from_id     VARCHAR(64)  NOT NULL,
	to_id       VARCHAR(64)  NOT NULL,
	remark      VARCHAR(128) NOT NULL DEFAULT '',
	status      TINYINT      NOT NULL DEFAULT 0 COMMENT '0 never friends (blacklist only), 1 normal, 2 deleted',
	black       TINYINT      NOT NULL DEFAULT 1 COMMENT '1 normal, 2 blacklisted by from_id',
	add_source  VARCHAR(64)  NOT NULL DEFAULT '',
	extra       TEXT         NULL,
	sequence    BIGINT       NOT NULL,
	create_time BIGINT       NOT NULL,
	update_time BIGINT       NOT NULL,
	PRIMARY KEY (app_id, from_id, to_id),
	KEY idx_friendships_sync (app_id, from_id, sequence),
	KEY idx_friendships_to (app_id, to_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`}},

	// friend_requests replaces im_friendship_request with the unique key
	// WhaleShark lacked: one row per (app, from, to), refreshed on re-ask.
	{Version: 101, Name: "friend_requests", Statements: []string{`CREATE TABLE IF NOT EXISTS friend_requests (
	id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
	app_id         INT UNSIGNED NOT NULL,
	from_id        VARCHAR(64)  NOT NULL,
	to_id          VARCHAR(64)  NOT NULL,
	remark         VARCHAR(128) NOT NULL DEFAULT '',
	read_status    TINYINT      NOT NULL DEFAULT 0 COMMENT '0 unread, 1 read',
	add_source     VARCHAR(64)  NOT NULL DEFAULT '',
	add_wording    VARCHAR(512) NOT NULL DEFAULT '',
	approve_status TINYINT      NOT NULL DEFAULT 0 COMMENT '0 pending, 1 approved, 2 rejected',
	sequence       BIGINT       NOT NULL,
	create_time    BIGINT       NOT NULL,
	update_time    BIGINT       NOT NULL,
	UNIQUE KEY uk_friend_requests (app_id, from_id, to_id),
	KEY idx_friend_requests_to (app_id, to_id, sequence),
	KEY idx_friend_requests_from (app_id, from_id, sequence)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`}},

	// friend_groups and friend_group_members replace im_friendship_group
	// and im_friendship_group_member, whose primary key was group_id alone
	// (one member per group); here it is (group_id, to_id).
	{Version: 102, Name: "friend_groups", Statements: []string{`CREATE TABLE IF NOT EXISTS friend_groups (
	group_id    BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
	app_id      INT UNSIGNED NOT NULL,
	from_id     VARCHAR(64)  NOT NULL,
	group_name  VARCHAR(64)  NOT NULL,
	del_flag    TINYINT(1)   NOT NULL DEFAULT 0,
	sequence    BIGINT       NOT NULL,
	create_time BIGINT       NOT NULL,
	update_time BIGINT       NOT NULL,
	UNIQUE KEY uk_friend_groups (app_id, from_id, group_name),
	KEY idx_friend_groups_sync (app_id, from_id, sequence)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
		`CREATE TABLE IF NOT EXISTS friend_group_members (
	group_id BIGINT      NOT NULL,
	to_id    VARCHAR(64) NOT NULL,
	PRIMARY KEY (group_id, to_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
	}},

	// Ids (and friend group names, compared in Go too) compare byte for
	// byte (see IDCollation).
	{Version: 103, Name: "friends_binary_ids", Statements: binaryIDs("friendships", "friend_requests", "friend_groups", "friend_group_members")},
}
