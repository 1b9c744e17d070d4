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
// After-callbacks never block the request: they go through a bounded queue
// (when it is full the event is dropped and counted) to workers that POST
// them, retrying a transport error, 408, 429 and 5xx with exponential
// backoff for a few attempts; any other non-2xx status is permanent and not
// retried, so a broken endpoint cannot cause a retry storm.
package webhook
