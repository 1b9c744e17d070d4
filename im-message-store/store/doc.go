// Package store is im-message-store: it consumes mq.StoreRecord batches
// from the im.store.messages queue and writes them to the im_message table
// (package messagedb) in one transaction per batch.
//
// Guarantees:
//   - A batch is acked only after its transaction committed; a failure
//     hands the whole batch back to the broker, so nothing is acked that is
//     not stored (WhaleShark's store acked failed inserts).
//   - Writes are idempotent: an insert of a stored message (redelivery,
//     republish after an unconfirmed publish, a resend that got a second
//     seq) is a no-op, guarded by the unique key (app, from, messageId).
//     Exactly one row exists per message.
//   - A recall sets the recalled flag. A recall that overtakes its insert
//     stores the message already recalled, so order does not matter.
//   - A record that can never be stored (undecodable, unknown version or op,
//     breaking the schema's limits, its seq or messageKey taken by another
//     message, values the database refuses) is dead-lettered alone with the
//     reason in the x-im-store-reason header; the rest of its batch is
//     stored. Dead-lettering is at least once.
//   - Database errors are retried in process for Config.RetryBudget before
//     the batch goes back to the broker, so an outage does not use up the
//     records' delivery limit.
//
// Run wires everything; the im-message-store binary calls it with IM_*
// configuration, and the standalone binary calls it with injected Deps (its
// database and in-process queue). One Run handles one batch at a time; run
// several processes to scale, the writes commute.
package store
