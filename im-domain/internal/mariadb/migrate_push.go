package mariadb

// pushMigrations: versions 600..699. One push token per device; the
// second key finds a token a provider reported unregistered.
var pushMigrations = []Migration{
	{Version: 600, Name: "push_tokens", Statements: []string{`CREATE TABLE IF NOT EXISTS push_tokens (
	app_id      INT UNSIGNED     NOT NULL,
	user_id     VARCHAR(64)      NOT NULL,
	client_type TINYINT UNSIGNED NOT NULL,
	imei        VARCHAR(128)     NOT NULL,
	provider    VARCHAR(16)      NOT NULL,
	token       VARCHAR(512)     NOT NULL,
	updated_at  BIGINT           NOT NULL,
	PRIMARY KEY (app_id, user_id, client_type, imei),
	KEY idx_push_tokens_token (app_id, provider, token)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`}},
	// 600 made the table utf8mb4_bin, which is PAD SPACE: "bob " found
	// bob's tokens. Ids compare byte for byte like everywhere else.
	{Version: 601, Name: "push_tokens_binary_ids", Statements: binaryIDs("push_tokens")},
}
