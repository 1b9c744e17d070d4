// Package conversation is the conversation list of every user: one row per
// (app, owner, conversation) holding the owner's view of a 1:1 or group
// conversation — pinned, muted, hidden, how far the owner has read, the last
// message's seq and a summary of it — plus the incremental sync of that list.
//
// Rows are created and advanced by the message core through OnMessage and
// moved by MarkRead (forward only); receive cursors by Received. These are
// written behind (behind.go): coalesced in memory and flushed every
// FlushInterval as one transaction of multi-row upserts, so the message
// path never waits for them. Read and receive cursors never pass the seqs
// allocated in their conversation. Users change their own rows over REST
// (top, mute, delete, read) and their other devices hear about it through
// 5000/5001.
//
// Fixes over WhaleShark (whaleshark.md §4.6, §12.2), each with a regression
// test of the same name:
//   - delete really hides the row (it was a no-op) and a new message un-hides
//     it through an upsert (createConversation was a plain INSERT, so a
//     conversation could never come back: duplicate key);
//   - the read pointer only moves forward (the SQL guard compared the wrong
//     column, so it could move backwards);
//   - sync returns rows strictly after lastSequence (it used >= and re-sent
//     the last row forever) and maxSequence is the owner's own (it was the
//     whole app's, so completed was unreliable).
package conversation
