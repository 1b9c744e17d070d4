package mq

// StoreOp is what a store record asks the store to do.
type StoreOp string

// Store operations.
const (
	OpInsert StoreOp = "insert" // persist a new message
	OpRecall StoreOp = "recall" // mark a stored message recalled
	OpEdit   StoreOp = "edit"   // replace a stored message's body and extra (Message.Edited is the version)
)

// StoreRecord is what the domain publishes to im.store. The domain confirms
// the publish before it answers the sender, so a confirmed record is the
// durability point of a message; the store inserts it idempotently.
type StoreRecord struct {
	Version int     `json:"v"`
	Op      StoreOp `json:"op"`
	Message Message `json:"message"`
}

// Message is one chat message as the store persists it: one row per message,
// groups included (read diffusion).
type Message struct {
	AppID          uint32           `json:"appId"`
	Kind           ConversationKind `json:"kind"`
	ConversationID string           `json:"conversationId"`
	FromID         string           `json:"fromId"`
	ToID           string           `json:"toId,omitempty"`    // 1:1 receiver
	GroupID        string           `json:"groupId,omitempty"` // group messages
	MessageID      string           `json:"messageId"`         // client-chosen, unique per sender
	MessageKey     int64            `json:"messageKey"`        // server-unique id
	Seq            int64            `json:"seq"`               // per conversation
	Body           string           `json:"body"`
	Extra          string           `json:"extra,omitempty"`
	Time           int64            `json:"time"` // unix milliseconds
	Recalled       bool             `json:"recalled,omitempty"`
	// Edited is the unix ms of the message's latest edit, its version: 0
	// never edited. An edit applies only over an older version.
	Edited int64 `json:"edited,omitempty"`
}
