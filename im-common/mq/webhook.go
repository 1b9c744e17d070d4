package mq

import "encoding/json"

// The webhook flow: the domain publishes every after-callback event it owes
// an app back-end to im.webhook and a domain node delivers it from
// im.webhook.events, so an event outlives the node that produced it.
//
//	domain --im.webhook (direct, key "events")--> im.webhook.events --> domain (competing consumers)
//
// A failed attempt is published again with Attempt counted up and a
// NotBefore time (the backoff) and the failed delivery is acked; the last
// attempt, or a refusal no retry can fix, is dead-lettered to
// im.dead.letters.
const (
	ExchangeWebhook    = "im.webhook"
	QueueWebhookEvents = "im.webhook.events"
	// KeyWebhookEvents routes webhook events to QueueWebhookEvents.
	KeyWebhookEvents = "events"
)

// WebhookTopology is what a domain node declares to publish and deliver
// webhook events: a durable queue with a dead-letter, so a broker or node
// restart loses no event.
func WebhookTopology(qt QueueType) Topology {
	return durableFlow(ExchangeWebhook, QueueWebhookEvents, KeyWebhookEvents, qt)
}

// WebhookEvent is one event owed to an app back-end, as queued on
// im.webhook.events. ID is the idempotency key the receiver sees on every
// attempt (the X-IM-Delivery-Id header); Payload is the signed body, sent
// byte for byte as published.
type WebhookEvent struct {
	Version int             `json:"v"`
	ID      string          `json:"id"`
	AppID   uint32          `json:"appId"`
	Event   string          `json:"event"`
	Payload json.RawMessage `json:"payload"`
	// Attempt is the 1-based number of the attempt this message is for.
	Attempt int `json:"attempt"`
	// NotBefore (unix milliseconds) delays the attempt: the backoff after
	// a failed one. 0 means at once.
	NotBefore int64 `json:"notBefore,omitempty"`
}
