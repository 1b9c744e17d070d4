package payload

import "github.com/whaleim/whaleim/im-common/errcode"

// ConversationType tells 1:1 from group conversations in read and recall
// bodies, with WhaleShark's numbers.
type ConversationType int

// Conversation types.
const (
	P2P   ConversationType = 0
	Group ConversationType = 1
)

// Message is a chat message: uplink 1103 (ToID set) or 2104 (GroupID set),
// and the downlink delivery of either, to which the server adds FromID,
// MessageKey, MessageSequence and MessageTime. MessageID is the client's
// UUID, reused on every resend so the server can deduplicate.
type Message struct {
	MessageID   string `json:"messageId"`
	FromID      string `json:"fromId,omitempty"`
	ToID        string `json:"toId,omitempty"`
	GroupID     string `json:"groupId,omitempty"`
	MessageBody string `json:"messageBody"`
	Extra       string `json:"extra,omitempty"`
	// Set by the server.
	MessageKey      int64 `json:"messageKey,omitempty"`
	MessageSequence int64 `json:"messageSequence,omitempty"`
	MessageTime     int64 `json:"messageTime,omitempty"`
}

// MessageAck is the up-ACK the sender's device gets: 1046 for 1:1, 2047 for
// groups, 1051 for recalls. Code 0 means the message is durable; Data then
// carries its sequence. On failure Data holds at least the MessageID.
type MessageAck struct {
	Code errcode.Code `json:"code"`
	Msg  string       `json:"msg"`
	Data *AckData     `json:"data,omitempty"`
}

// AckData identifies the acknowledged message. A resend of an accepted
// message gets the same data again.
type AckData struct {
	MessageID       string `json:"messageId"`
	MessageSequence int64  `json:"messageSequence,omitempty"`
	MessageKey      int64  `json:"messageKey,omitempty"`
	MessageTime     int64  `json:"messageTime,omitempty"`
}

// ReceiveAck is 1107 MSG_RECEIVE_ACK. A receiver's device sends it on
// delivery (FromID the receiver, ToID the original sender) and the server
// relays it to the sender's devices; the server sends it itself, with
// ServerSend set, when the receiver was offline and the message was stored.
type ReceiveAck struct {
	MessageID       string `json:"messageId"`
	MessageKey      int64  `json:"messageKey"`
	MessageSequence int64  `json:"messageSequence"`
	FromID          string `json:"fromId,omitempty"`
	ToID            string `json:"toId"`
	ServerSend      bool   `json:"serverSend,omitempty"`
}

// Read marks a conversation read up to MessageSequence: uplink 1106 (ToID,
// the peer) and 2106 (GroupID), and the same shape in the notifications
// 1053/2053 (the reader's other devices) and 1054/2054 (read receipts).
type Read struct {
	FromID           string           `json:"fromId,omitempty"`
	ToID             string           `json:"toId,omitempty"`
	GroupID          string           `json:"groupId,omitempty"`
	MessageSequence  int64            `json:"messageSequence"`
	ConversationType ConversationType `json:"conversationType"`
}

// Recall asks to withdraw a sent message (1050) and, from the server,
// announces a withdrawn one (1052). MessageKey names the message; MessageID
// is the recall request's own id, for deduplication.
type Recall struct {
	FromID           string           `json:"fromId,omitempty"`
	MessageKey       int64            `json:"messageKey"`
	MessageID        string           `json:"messageId"`
	ToID             string           `json:"toId,omitempty"`
	GroupID          string           `json:"groupId,omitempty"`
	ConversationType ConversationType `json:"conversationType"`
}
