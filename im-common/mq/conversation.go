package mq

import (
	"strings"

	"github.com/whaleim/whaleim/im-common/ident"
)

// ConversationKind tells 1:1 from group conversations.
type ConversationKind string

// Conversation kinds.
const (
	P2P   ConversationKind = "p2p"
	Group ConversationKind = "group"
)

// P2PConversation is the conversation id of two users: the same for both
// directions, so both share one seq and one uplink shard. It is
// "p2p:" + min + ":" + max. The encoding cannot collide because ':' is
// not in the id alphabet (ident.ValidID): callers pass valid ids, and
// P2PMembers, the one parser, refuses anything else.
func P2PConversation(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return "p2p:" + a + ":" + b
}

// GroupConversation is the conversation id of a group.
func GroupConversation(groupID string) string { return "group:" + groupID }

// ParseConversation splits a conversation id into its kind and the rest
// (the group id, or "a:b" for a 1:1). It accepts only ids that
// GroupConversation or P2PConversation build from valid ids.
func ParseConversation(id string) (ConversationKind, string, bool) {
	kind, rest, _ := strings.Cut(id, ":")
	switch ConversationKind(kind) {
	case Group:
		return Group, rest, ident.ValidID(rest) == nil
	case P2P:
		_, _, ok := P2PMembers(id)
		return P2P, rest, ok
	}
	return "", "", false
}

// P2PMembers returns the two users of a 1:1 conversation id in id order,
// or ok false unless id is exactly P2PConversation(a, b) of two different
// valid ids. Every reader of 1:1 ids uses it (or P2PPeer) instead of
// splitting by hand.
func P2PMembers(id string) (a, b string, ok bool) {
	rest, found := strings.CutPrefix(id, string(P2P)+":")
	if !found {
		return "", "", false
	}
	a, b, found = strings.Cut(rest, ":")
	if !found || a >= b || ident.ValidID(a) != nil || ident.ValidID(b) != nil {
		return "", "", false
	}
	return a, b, true
}

// P2PPeer returns the other user of 1:1 conversation id, or ok false when
// id is not a 1:1 id or user is not one of its two users.
func P2PPeer(id, user string) (string, bool) {
	a, b, ok := P2PMembers(id)
	switch {
	case !ok:
		return "", false
	case user == a:
		return b, true
	case user == b:
		return a, true
	}
	return "", false
}
