// Package friend is the friendship feature: friendships (import, add with or
// without verification, remark, delete, delete all), friend requests
// (list, read, approve, reject), the blacklist, friend groups (tags) and the
// incremental sync of each list, plus Relation, the cached "friend /
// blocked" check the message core runs on every send.
//
// Data model. A friendship is directional: the row A->B is A's view of B
// (remark, status, black). Deleting is one-sided, as in WhaleShark and
// WeChat: A->B becomes a tombstone (status 2) and B->A stays; B is not
// notified (B's list did not change, and telling B would leak that A
// removed them), but messages between them now fail the mutual-friend check
// when the app enables it. Blacklisting is A->B black=2 on the same row (a
// row with status 0 when they were never friends), so one sync stream
// carries friends and blacklist alike.
//
// Sync. Every change of a row (friendship, request, friend group) stamps it
// with a fresh per-app sequence in the change's transaction and marks the
// owner's user sequence (getUserSequence). Rows are never hard-deleted:
// deletions are tombstones with a new sequence, so paging by sequence
// (SyncFriendships, SyncRequests, SyncGroups) reconstructs the full state.
// Each changed row gets its own sequence, even in bulk changes, so a page
// boundary never splits rows sharing a sequence.
//
// WhaleShark bugs fixed here (each has a regression test): the inverted
// status check of the verification branch, deleteAllFriend and addBlack on
// an existing row not bumping the sequence, deleteBlack crashing without a
// row, the malformed "both" check SQL and the black check mapping (checks
// are computed in Go from the rows), getFriendShipMaxSeq binding from_id to
// the app id, and friend groups holding one member.
package friend
