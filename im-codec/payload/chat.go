package payload

// Typing is 1060 MSG_TYPING: uplink, the sender is typing (or, with
// Stopped, stopped typing) in the 1:1 conversation with ToID or in group
// GroupID; downlink, the same body with FromID set, relayed to the other
// users' online devices. It is never stored: a device that misses it
// misses nothing that lasts.
type Typing struct {
	FromID           string           `json:"fromId,omitempty"`
	ToID             string           `json:"toId,omitempty"`
	GroupID          string           `json:"groupId,omitempty"`
	ConversationType ConversationType `json:"conversationType"`
	Stopped          bool             `json:"stopped,omitempty"`
}

// Edit asks to replace the body of a sent message (1055) and, from the
// server, announces an edited one (1057). MessageKey names the message;
// MessageID is the edit request's own id, echoed in the 1056 answer.
// The server adds FromID, MessageSequence and EditedAt (unix ms, the
// edit's version: a later edit has a larger one).
type Edit struct {
	FromID           string           `json:"fromId,omitempty"`
	MessageKey       int64            `json:"messageKey"`
	MessageID        string           `json:"messageId"`
	ToID             string           `json:"toId,omitempty"`
	GroupID          string           `json:"groupId,omitempty"`
	ConversationType ConversationType `json:"conversationType"`
	MessageBody      string           `json:"messageBody"`
	Extra            string           `json:"extra,omitempty"`
	MessageSequence  int64            `json:"messageSequence,omitempty"`
	EditedAt         int64            `json:"editedAt,omitempty"`
}

// Deleted is 1058 MSG_DELETE_NOTIFY: the user deleted these messages of
// ConversationID for themselves (the other users keep them).
type Deleted struct {
	ConversationID string  `json:"conversationId"`
	Sequences      []int64 `json:"messageSequences"`
}

// Cleared is 5002 CONVERSATION_CLEAR: the user cleared the history of
// ConversationID for themselves up to ClearedSequence.
type Cleared struct {
	ConversationID  string `json:"conversationId"`
	ClearedSequence int64  `json:"clearedSequence"`
}
