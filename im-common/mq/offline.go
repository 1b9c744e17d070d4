package mq

// The offline-push flow: the domain publishes one OfflineBatch per uplink
// cycle with a message for every receiver that had no online device, and
// a domain node hands each to the app's push webhook and to the push
// providers (FCM, APNs) of the receiver's registered devices.
//
//	domain --im.push (direct, key "offline")--> im.push.offline --> domain (competing consumers)
//
// A provider that fails is retried the way webhook events are: the event
// is queued again with the failed targets, its attempt counted up and a
// NotBefore time; the last attempt is dead-lettered to im.dead.letters.
const (
	ExchangePush     = "im.push"
	QueuePushOffline = "im.push.offline"
	KeyPushOffline   = "offline"
)

// OfflinePushTopology is what a domain node declares to publish and
// deliver offline pushes.
func OfflinePushTopology(qt QueueType) Topology {
	return durableFlow(ExchangePush, QueuePushOffline, KeyPushOffline, qt)
}

// OfflineBatch is what the domain publishes to im.push.offline.
type OfflineBatch struct {
	Version int           `json:"v"`
	Events  []OfflinePush `json:"events"`
}

// OfflinePush is one message for one receiver with no online device.
// Badge (the receiver's unread total) is filled when it is delivered, not
// on the hot path.
type OfflinePush struct {
	ID             string `json:"id"` // idempotency key: the same on every attempt
	AppID          uint32 `json:"appId"`
	ReceiverID     string `json:"receiverId"`
	SenderID       string `json:"senderId"`
	ConversationID string `json:"conversationId"`
	GroupID        string `json:"groupId,omitempty"`
	MessageID      string `json:"messageId"`
	MessageKey     int64  `json:"messageKey"`
	Sequence       int64  `json:"messageSequence"`
	Preview        string `json:"preview"`
	Time           int64  `json:"messageTime"` // unix milliseconds
	Badge          int64  `json:"badge"`
	// Attempt, NotBefore and Targets are set on a retry: the attempt
	// number, when it is due (unix milliseconds) and the provider targets
	// ("provider:token") still to reach. The webhook is not sent again.
	Attempt   int      `json:"attempt,omitempty"`
	NotBefore int64    `json:"notBefore,omitempty"`
	Targets   []string `json:"targets,omitempty"`
}
