// Package webhook calls the app back-end (WhaleShark's callbacks, §4.8):
// before-callbacks that may veto an action (and, for group.member.add.before,
// rewrite the member list), and after-callbacks that report what happened.
//
// Which callbacks an app receives, its URL, timeout and fail-open flag are
// the app's settings (app.Settings: CallbackURL, Callbacks, CallbackTimeout,
// CallbackFailOpen).
//
// # Request
//
// POST {callbackUrl}?appId={appId}&command={event} with the event payload as
// the JSON body and these headers:
//
//	X-IM-App-Id:      the app id
//	X-IM-Event:       the event name, e.g. friend.add.before
//	X-IM-Delivery-Id: unique per event; the same on every retry (deduplicate on it)
//	X-IM-Timestamp:   unix seconds when this attempt was sent
//	X-IM-Signature:   v1=hex(HMAC-SHA256(app secret, timestamp + "." + raw body))
//
// To verify (Verify does exactly this): recompute the HMAC over the header
// timestamp, a dot and the raw body bytes as received (never re-serialised
// JSON), compare in constant time, and refuse timestamps more than five
// minutes from now, which stops replays.
//
// # Reply
//
// A before-callback answers HTTP 200 with WhaleShark's envelope
// {"code": 200, "msg": "", "data": ...}. Code 200 lets the action proceed;
// any other code vetoes it, and the caller gets errcode.CallbackVeto (9003)
// with msg. For group.member.add.before, a non-null data is the member list
// to add instead (the rewrite): an array of user ids or of
// {"memberId": id} objects (WhaleShark's GroupMemberDto); an empty array
// adds nobody. A transport error, a timeout (the app's
// CallbackTimeout), a non-2xx status or an unreadable reply is a failure:
// fail-open apps proceed, fail-closed apps refuse with errcode.Unavailable
// (9001, retryable).
//
// # After-callbacks
//
// An after-callback is published, once the action it reports committed, to
// the durable webhook queue (mq.WebhookTopology: RabbitMQ, or the
// standalone binary's journaled in-process queue) before the request
// returns, so a node that dies next loses nothing. Any domain node
// delivers it (Run, competing consumers), with the same X-IM-Delivery-Id
// on every attempt: receivers deduplicate on it, since delivery is at
// least once. A transport error, a timeout, 408, 429 or 5xx is retried:
// the next attempt is queued again, due after an exponential, jittered
// backoff (Config.BaseBackoff doubling up to MaxBackoff), so a node
// restart in between keeps the event and its attempt count. After
// MaxAttempts, or at once for any other non-2xx status (a refusal no retry
// fixes, and no retry storm on a broken endpoint), the event is
// dead-lettered to im.dead.letters and counted (Observer, the node's
// im_domain_webhook_events_total{outcome="dead_letter"}). An event waiting
// for its backoff holds one of the node's Workers; the others go on.
//
// # WhaleShark names
//
// The event list of an app accepts WhaleShark's names black.delete and
// group.destory.after for black.delete.after and group.destroy.after
// (Canonical; the settings store the canonical name), and the command
// query parameter carries WhaleShark's name (Command), so a WhaleShark
// back-end dispatching on it keeps working.
package webhook
