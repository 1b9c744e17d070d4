// Package push hands messages to users with no online device to the app's
// push webhook and to the built-in providers FCM (HTTP v1) and APNs
// (token-based, HTTP/2).
//
// The message core finds the receivers without a session in the presence
// lookup its fan-out makes anyway and calls Service.Offline once per
// batch; Offline publishes one mq.OfflineBatch to the durable queue
// im.push.offline (only for apps that enabled the push.offline webhook
// event, or when a provider is configured). Run consumes it on every
// domain node: for each event it fills the unread badge, sends the
// push.offline webhook event (signed and retried by package webhook), and
// sends a notification to every push token the receiver registered. A
// provider failure that may pass (a transport error, 429, 5xx) is retried
// as webhook events are: the event is queued again with the failed
// targets, its attempt counted up and due after the backoff; after the
// last attempt it is dead-lettered. A token the provider reports
// unregistered (FCM UNREGISTERED, APNs 410) is deleted. Outcomes are
// counted per provider (Observer).
//
// Devices register a token per device (user, client type, IMEI) over REST
// (/v1/push/registerToken); the admin's /v1/push/test sends a test
// notification to a user's tokens at once and reports each provider's
// answer.
package push
