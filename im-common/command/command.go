package command

import (
	"slices"
	"strconv"
)

// Code is a command number carried in the first header field of every frame.
type Code uint32

// System commands: login handshake, kick, logout and heartbeat.
const (
	Login       Code = 9000 // C->S body {userId, userSign}
	LoginAck    Code = 9001 // S->C {code, msg}
	MutualLogin Code = 9002 // S->C kicked by another device; the server then closes
	Logout      Code = 9003 // C->S
	Reconnect   Code = 9004 // S->C the node is shutting down; reconnect elsewhere
	ErrorNotice Code = 9005 // S->C an uplink frame was refused {code, msg, command}
	Broadcast   Code = 9006 // S->C the app back-end's broadcast to online devices {data}
	Ping        Code = 9999 // C->S, answered with a 9999 pong
)

// One-to-one message commands.
const (
	MessageAck         Code = 1046 // S->C up-ACK {code, msg, data:{messageId, messageSequence, messageKey}}
	MessageRecall      Code = 1050 // C->S recall a sent message
	MessageRecallAck   Code = 1051 // S->C result of a recall
	MessageRecallNote  Code = 1052 // S->C a message was recalled
	MessageReadNotify  Code = 1053 // S->C read position synced to the reader's other devices
	MessageReadReceipt Code = 1054 // S->C read receipt to the peer
	MessageEdit        Code = 1055 // C->S edit a sent message's body
	MessageEditAck     Code = 1056 // S->C result of an edit
	MessageEditNote    Code = 1057 // S->C a message was edited
	MessageDeleteNote  Code = 1058 // S->C messages deleted for this user (REST), to all its devices
	MessageTyping      Code = 1060 // C->S typing in a conversation, S->C relayed to its other users' online devices
	MessageP2P         Code = 1103 // C->S send, S->C deliver
	MessageRead        Code = 1106 // C->S read mark
	MessageReceiveAck  Code = 1107 // C->S delivery ACK, S->C relayed to the sender
)

// Group commands and events.
const (
	GroupJoinRequest   Code = 2000
	GroupAddedMember   Code = 2001
	GroupCreated       Code = 2002
	GroupUpdated       Code = 2003
	GroupExit          Code = 2004
	GroupUpdatedMember Code = 2005
	GroupDeletedMember Code = 2006
	GroupDestroyed     Code = 2007
	GroupTransferred   Code = 2008
	GroupMuted         Code = 2009
	GroupMemberMuted   Code = 2010
	GroupMessageAck    Code = 2047 // S->C up-ACK with messageSequence
	GroupReadNotify    Code = 2053
	GroupReadReceipt   Code = 2054
	GroupMessage       Code = 2104 // C->S send, S->C deliver
	GroupRead          Code = 2106 // C->S group read mark
)

// Friendship events.
const (
	FriendAdd               Code = 3000
	FriendUpdate            Code = 3001
	FriendDelete            Code = 3002
	FriendRequest           Code = 3003
	FriendRequestRead       Code = 3004
	FriendRequestApprove    Code = 3005
	FriendBlackAdd          Code = 3010
	FriendBlackDelete       Code = 3011
	FriendGroupAdd          Code = 3012
	FriendGroupDelete       Code = 3013
	FriendGroupMemberAdd    Code = 3014
	FriendGroupMemberDelete Code = 3015
	FriendDeleteAll         Code = 3016
)

// User events.
const (
	UserModify             Code = 4000 // never carries a password
	UserOnlineStatusChange Code = 4001
	UserOnlineStatusNotify Code = 4004
	UserOnlineStatusSync   Code = 4005
)

// Conversation events.
const (
	ConversationDelete Code = 5000
	ConversationUpdate Code = 5001
	ConversationClear  Code = 5002 // S->C this user cleared a conversation's history (REST), to all its devices
)

// String returns the protocol name of c, or its number when c is unknown.
func (c Code) String() string {
	if n, ok := names[c]; ok {
		return n
	}
	return "Code(" + strconv.FormatUint(uint64(c), 10) + ")"
}

// Known reports whether c is a command of the protocol.
func (c Code) Known() bool {
	_, ok := names[c]
	return ok
}

// All returns every known code in ascending order.
func All() []Code {
	out := make([]Code, 0, len(names))
	for c := range names {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}
