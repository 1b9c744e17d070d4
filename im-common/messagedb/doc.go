// Package messagedb is the one definition of the message history table,
// shared by its writer (im-message-store) and its readers (the domain's
// history and sync queries). The services never import each other, so the
// schema lives here, next to the MQ contract that feeds it.
//
// Invariants of table im_message:
//   - Exactly one row per message, groups included (read diffusion): a group
//     message is stored once under its group conversation, never once per
//     member. The primary key (app_id, conversation_id, seq) is also the
//     history index: reading a conversation backwards is a descending range
//     scan of the primary key, with no extra index and no sort.
//   - (app_id, from_id, message_id) is unique: the client's messageId is the
//     final deduplication guard, whatever the Redis layer let through.
//     (app_id, message_key) is unique: the server's id of a message.
//   - Rows are written idempotently and never deleted by the store. A recall
//     flips recalled from 0 to 1 and never back; the body stays for audit and
//     readers hide it.
//   - Per-user state (deleted-for-me, read and delivery cursors) is not here;
//     the domain keeps it in its own tables keyed by (app, user, conversation).
//   - Identifiers compare byte for byte (utf8mb4_nopad_bin: binary, and NO
//     PAD, so a trailing space counts): two messageIds or fromIds that
//     differ only in case or a trailing space are two, never a false
//     duplicate, exactly as Go's == says. (Tables created by earlier
//     versions as utf8mb4_bin, which is PAD SPACE, are converted by the
//     domain's migration 405.)
//   - Times are unix milliseconds (BIGINT), like every time on the wire.
//
// Readers use the primary key for both directions:
//
//	history: WHERE app_id=? AND conversation_id=? AND seq<? ORDER BY seq DESC LIMIT ?
//	sync:    WHERE app_id=? AND conversation_id=? AND seq>? ORDER BY seq ASC LIMIT ?
//
// Both services may call Ensure at start: CREATE TABLE IF NOT EXISTS is
// idempotent. The DDL is MySQL/MariaDB dialect; changing a column is a
// migration, not an edit of CreateTable.
package messagedb
