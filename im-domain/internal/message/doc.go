// Package message is the messaging core of the domain: the send pipeline of
// 1:1 (1103) and group (2104) messages, receive ACKs (1107), read marks
// (1106/2106) with receipts, recall (1050) and the history/sync queries.
//
// # Send pipeline (Service.Send)
//
// The order is the delivery contract (ARCHITECTURE.md):
//
//  1. dedup: the (app, fromId, messageId) key is claimed in Redis with SET NX
//     before anything else. A duplicate of a finished send gets the original
//     up-ACK again (same seq, key and time) and nothing else happens; a
//     duplicate of a send still in flight waits briefly and otherwise fails
//     as retryable, so the uplink is requeued and answered later.
//  2. checks: sender exists, is not forbidden or muted; 1:1 friendship and
//     blacklist per app settings; group existence, destruction, membership,
//     group mute and member mute. A refusal is answered with an up-ACK
//     carrying the code; nothing is stored or delivered and the dedup claim
//     is released, so a later resend is judged again.
//     Then the app's before-callback (message.send.before or
//     group.message.send.before, when enabled): a veto is a refusal
//     (errcode.CallbackVeto) answered the same way.
//  3. seq (per conversation, Sequencer) and messageKey (Keys): assigned once
//     and remembered in the dedup entry, so a redelivery after a failure
//     re-publishes the same seq instead of burning a new one.
//  4. the message's identity (no body) is remembered in Redis for a few
//     minutes (Recent): the store writes MySQL asynchronously, and a recall
//     or a read right after the up-ACK must find the message. Then the store
//     record is published with a publisher confirm: a confirmed persistent
//     publish to a durable queue is the durability point.
//  5. only then the up-ACK (1046/2047) goes to the sending device, then the
//     fan-out to the receivers' and the sender's other devices, the 1107
//     serverSend notice for an offline 1:1 receiver, and the conversation
//     update, and the app's after-callback (queued, never blocking). These
//     later steps are best effort: sync repairs a lost push.
//
// A transient failure (Redis, MySQL or the broker) is returned as an error
// without an up-ACK: the uplink consumer nacks and requeues, and a resend
// with the same messageId is deduplicated.
//
// # Read position
//
// A user has ONE read position per conversation: its conversation row's
// (Conversations.MarkRead; REST readConversation moves the same one).
// Sending moves the sender's own to the new seq. Receipts go to a receiver
// the server determines (1:1: the peer of a conversation the reader is part
// of; group: the sender of the message at the seq). "Read by N of M"
// counts the members other than the message's sender.
package message
