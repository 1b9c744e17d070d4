package whaleim

import (
	"encoding/json"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/errcode"
)

// Event is something the app should know about. Every event marshals to
// the JSON object of the conformance suite ({"type": ..., fields}); Type
// returns that type name.
type Event interface {
	Type() string
}

// State is the connection state.
type State string

// Connection states.
const (
	Connecting   State = "connecting"
	Connected    State = "connected"
	Reconnecting State = "reconnecting"
	Kicked       State = "kicked" // another device logged in; the SDK does not reconnect
	Closed       State = "closed"
)

// StateChanged reports a new connection state.
type StateChanged struct{ State State }

// SendState is where an outgoing message is.
type SendState string

// Send states: sending until the server stores it (sent, with its seq) or
// refuses it for good (failed, with the code).
const (
	Sending SendState = "sending"
	Sent    SendState = "sent"
	Failed  SendState = "failed"
)

// MessageStateChanged reports outbox progress of one message.
type MessageStateChanged struct {
	MessageID    string
	Conversation string
	State        SendState
	Seq          int64        // when Sent
	Key          int64        // when Sent: the messageKey a recall names
	Code         errcode.Code // when Failed
}

// Message is a chat message of a conversation.
type Message struct {
	Conversation string
	Seq          int64
	ID           string // the sender's messageId
	Key          int64  // the server's messageKey (recall names messages by it)
	From         string
	To           string // 1:1 only
	Group        string // group only
	Body         string
	Extra        string
	Time         int64 // unix milliseconds
	Recalled     bool
	Edited       bool // the body is an edit of the one sent
}

// MessageReceived delivers a message: exactly once, in seq order within
// its conversation.
type MessageReceived struct{ Message Message }

// Error reasons.
const (
	ReasonBadFrame       = "bad_frame"
	ReasonUnknownCommand = "unknown_command"
	ReasonLoginRefused   = "login_refused"
)

// ErrorEvent reports bad input from the server (the SDK reconnects) or a
// refused login (the SDK asks for a new sign and retries).
type ErrorEvent struct {
	Reason  string
	Code    errcode.Code // login_refused
	Command command.Code // unknown_command
	Err     error
}

// Delivered: the peer's device got our message (1107).
type Delivered struct {
	Conversation string
	MessageID    string
	Seq          int64
}

// ReadReceipt: Reader read the conversation up to Seq (1054, 2054).
type ReadReceipt struct {
	Conversation string
	Reader       string
	Seq          int64
}

// ReadSynced: this user read the conversation up to Seq on another
// device (1053, 2053).
type ReadSynced struct {
	Conversation string
	Seq          int64
}

// Recalled: the message with messageKey Key was withdrawn (1052).
type Recalled struct {
	Conversation string
	Key          int64
}

// Typing: From is typing in the conversation (Stopped: stopped). It is
// not repeated: an app shows it for a few seconds unless a new one comes.
type Typing struct {
	Conversation string
	From         string
	Stopped      bool
}

// Edited: From replaced the body of the message with messageKey Key (seq
// Seq) with Body (1057). EditedAt is the edit's time, its version.
type Edited struct {
	Conversation string
	Key          int64
	Seq          int64
	From         string
	Body         string
	Extra        string
	EditedAt     int64
}

// Deleted: this user deleted the messages at Seqs of the conversation for
// itself (1058), on this device or another.
type Deleted struct {
	Conversation string
	Seqs         []int64
}

// Cleared: this user cleared the conversation's history up to Seq (5002),
// on this device or another.
type Cleared struct {
	Conversation string
	Seq          int64
}

// Notification is a group, friendship, user or conversation event
// (commands 2000-5999); Data is its JSON.
type Notification struct {
	Command command.Code
	Data    json.RawMessage
}

// ConversationUpdated carries a conversation after any change (new
// message, read mark, receipt).
type ConversationUpdated struct{ Conversation Conversation }

// Type names are shared with the TypeScript SDK.

// Type is "state".
func (StateChanged) Type() string { return "state" }

// Type is "message_state".
func (MessageStateChanged) Type() string { return "message_state" }

// Type is "message".
func (MessageReceived) Type() string { return "message" }

// Type is "error".
func (ErrorEvent) Type() string { return "error" }

// Type is "delivered".
func (Delivered) Type() string { return "delivered" }

// Type is "read_receipt".
func (ReadReceipt) Type() string { return "read_receipt" }

// Type is "read".
func (ReadSynced) Type() string { return "read" }

// Type is "recalled".
func (Recalled) Type() string { return "recalled" }

// Type is "typing".
func (Typing) Type() string { return "typing" }

// Type is "edited".
func (Edited) Type() string { return "edited" }

// Type is "deleted".
func (Deleted) Type() string { return "deleted" }

// Type is "cleared".
func (Cleared) Type() string { return "cleared" }

// Type is "notification".
func (Notification) Type() string { return "notification" }

// Type is "conversation".
func (ConversationUpdated) Type() string { return "conversation" }

// fields is an event's JSON object; zero values are left out.
type fields map[string]any

func (f fields) set(k string, v any) fields {
	switch x := v.(type) {
	case string:
		if x == "" {
			return f
		}
	case int64:
		if x == 0 {
			return f
		}
	case bool:
		if !x {
			return f
		}
	}
	f[k] = v
	return f
}

func object(e Event) fields { return fields{"type": e.Type()} }

// MarshalJSON gives the conformance form.
func (e StateChanged) MarshalJSON() ([]byte, error) {
	return json.Marshal(object(e).set("state", string(e.State)))
}

// MarshalJSON gives the conformance form; "id" is the messageId.
func (e MessageStateChanged) MarshalJSON() ([]byte, error) {
	return json.Marshal(object(e).set("id", e.MessageID).set("state", string(e.State)).
		set("seq", e.Seq).set("code", int64(e.Code)))
}

// MarshalJSON gives the conformance form.
func (e MessageReceived) MarshalJSON() ([]byte, error) {
	m := e.Message
	f := object(e).set("conversation", m.Conversation).set("seq", m.Seq).set("id", m.ID).
		set("from", m.From).set("recalled", m.Recalled)
	f["body"] = m.Body
	return json.Marshal(f)
}

// MarshalJSON gives the conformance form.
func (e ErrorEvent) MarshalJSON() ([]byte, error) {
	return json.Marshal(object(e).set("reason", e.Reason).set("code", int64(e.Code)).set("command", int64(e.Command)))
}

// MarshalJSON gives the conformance form.
func (e Delivered) MarshalJSON() ([]byte, error) {
	return json.Marshal(object(e).set("conversation", e.Conversation).set("id", e.MessageID).set("seq", e.Seq))
}

// MarshalJSON gives the conformance form.
func (e ReadReceipt) MarshalJSON() ([]byte, error) {
	return json.Marshal(object(e).set("conversation", e.Conversation).set("reader", e.Reader).set("seq", e.Seq))
}

// MarshalJSON gives the conformance form.
func (e ReadSynced) MarshalJSON() ([]byte, error) {
	return json.Marshal(object(e).set("conversation", e.Conversation).set("seq", e.Seq))
}

// MarshalJSON gives the conformance form.
func (e Recalled) MarshalJSON() ([]byte, error) {
	return json.Marshal(object(e).set("conversation", e.Conversation).set("key", e.Key))
}

// MarshalJSON gives the conformance form.
func (e Typing) MarshalJSON() ([]byte, error) {
	return json.Marshal(object(e).set("conversation", e.Conversation).set("from", e.From).set("stopped", e.Stopped))
}

// MarshalJSON gives the conformance form.
func (e Edited) MarshalJSON() ([]byte, error) {
	return json.Marshal(object(e).set("conversation", e.Conversation).set("key", e.Key).set("seq", e.Seq).
		set("from", e.From).set("body", e.Body).set("editedAt", e.EditedAt))
}

// MarshalJSON gives the conformance form.
func (e Deleted) MarshalJSON() ([]byte, error) {
	return json.Marshal(object(e).set("conversation", e.Conversation).set("seqs", e.Seqs))
}

// MarshalJSON gives the conformance form.
func (e Cleared) MarshalJSON() ([]byte, error) {
	return json.Marshal(object(e).set("conversation", e.Conversation).set("seq", e.Seq))
}

// MarshalJSON gives the conformance form.
func (e Notification) MarshalJSON() ([]byte, error) {
	return json.Marshal(object(e).set("command", int64(e.Command)))
}

// MarshalJSON gives the conformance form.
func (e ConversationUpdated) MarshalJSON() ([]byte, error) {
	c := e.Conversation
	return json.Marshal(object(e).set("conversation", c.ID).set("unread", int64(c.Unread)).
		set("readSeq", c.ReadSeq).set("lastSeq", c.Last.Seq))
}
