package conversation

import (
	"strings"
	"unicode/utf8"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
)

// Module is the sync module name of conversations in user_sequences: each
// owner's own counter (mariadb.NextUserSeqs), which is also the owner's
// getUserSequence mark.
const Module = "conversationSeq"

// MaxSyncLimit caps maxLimit of a sync or list page, as WhaleShark's 100.
const MaxSyncLimit = 100

// PreviewRunes bounds the message preview kept on a row.
const PreviewRunes = 100

// Type is WhaleShark's conversation type: 0 one-to-one, 1 group.
type Type int

// Conversation types.
const (
	P2P   Type = 0
	Group Type = 1
)

// TypeOf maps the message core's kind to a Type.
func TypeOf(kind mq.ConversationKind) (Type, bool) {
	switch kind {
	case mq.P2P:
		return P2P, true
	case mq.Group:
		return Group, true
	}
	return 0, false
}

// LastMessage summarises the latest message of a conversation.
type LastMessage struct {
	MessageKey int64  `json:"messageKey,string"`
	FromID     string `json:"fromId"`
	Preview    string `json:"preview"` // at most PreviewRunes runes of the body
	Time       int64  `json:"time"`    // unix milliseconds
}

// Conversation is one owner's row. Flags are 0/1 integers as in WhaleShark.
type Conversation struct {
	ConversationID string      `json:"conversationId"`
	Type           Type        `json:"conversationType"`
	OwnerID        string      `json:"fromId"` // WhaleShark's name for the owner
	PeerID         string      `json:"toId"`   // the other user, or the group id
	Top            int         `json:"isTop"`
	Mute           int         `json:"isMute"`
	Deleted        int         `json:"isDeleted"` // hidden until a new message arrives
	ReadSeq        int64       `json:"readSequence"`
	MaxSeq         int64       `json:"lastMessageSequence"`
	Unread         int64       `json:"unreadCount"`
	Last           LastMessage `json:"lastMessage"`
	Sequence       int64       `json:"sequence"` // sync sequence of the row's last change
}

// fill computes the derived fields.
func (c *Conversation) fill() {
	c.Unread = max(0, c.MaxSeq-c.ReadSeq)
}

// Page is an incremental sync answer (WhaleShark's SyncResp).
type Page struct {
	MaxSequence int64          `json:"maxSequence"`
	Completed   bool           `json:"completed"`
	DataList    []Conversation `json:"dataList"`
}

// Unread is the unread count of the owner's visible conversations.
type Unread struct {
	Total         int64         `json:"total"`
	Conversations []UnreadCount `json:"conversations"` // only those with unread messages
}

// UnreadCount is one conversation's unread count.
type UnreadCount struct {
	ConversationID string `json:"conversationId"`
	Unread         int64  `json:"unreadCount"`
	Mute           int    `json:"isMute"`
}

// Patch changes flags of a row; nil fields stay unchanged.
type Patch struct {
	Top  *int `json:"isTop"`
	Mute *int `json:"isMute"`
}

// Validate checks the flags are 0 or 1 and something is set.
func (p Patch) Validate() error {
	if p.Top == nil && p.Mute == nil {
		return errcode.MissingField.With("isTop or isMute")
	}
	for _, v := range []*int{p.Top, p.Mute} {
		if v != nil && *v != 0 && *v != 1 {
			return errcode.MissingField.With("isTop/isMute: 0 or 1")
		}
	}
	return nil
}

// Apply sets p's fields on c and reports whether anything changed.
func (p Patch) Apply(c *Conversation) bool {
	changed := false
	for _, f := range []struct{ dst, v *int }{{&c.Top, p.Top}, {&c.Mute, p.Mute}} {
		if f.v != nil && *f.dst != *f.v {
			*f.dst, changed = *f.v, true
		}
	}
	return changed
}

// ParseID checks that owner may have conversationID in its list and returns
// the type and the peer (the other user, or the group id). A 1:1 id must
// name owner as one of its two users.
func ParseID(owner, conversationID string) (Type, string, error) {
	kind, rest, ok := mq.ParseConversation(conversationID)
	if !ok || len(conversationID) > 200 {
		return 0, "", errcode.MissingField.With("conversationId: p2p:<a>:<b> or group:<groupId>")
	}
	if kind == mq.Group {
		return Group, rest, nil
	}
	if peer, ok := mq.P2PPeer(conversationID, owner); ok {
		return P2P, peer, nil
	}
	return 0, "", errcode.ConversationNotFound.With("conversationId does not name the owner")
}

// preview cuts body to PreviewRunes runes, never inside a rune.
func preview(body string) string {
	body = strings.ToValidUTF8(body, "\uFFFD")
	if utf8.RuneCountInString(body) <= PreviewRunes {
		return body
	}
	r := []rune(body)
	return string(r[:PreviewRunes])
}
