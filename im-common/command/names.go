package command

// names is the immutable table of protocol names, the ones PROTOCOL.md uses.
var names = map[Code]string{
	Login: "LOGIN", LoginAck: "LOGIN_ACK", MutualLogin: "MUTUAL_LOGIN", Logout: "LOGOUT",
	Reconnect: "RECONNECT", ErrorNotice: "ERROR", Ping: "PING",
	Broadcast: "BROADCAST",

	MessageAck: "MSG_ACK", MessageRecall: "MSG_RECALL", MessageRecallAck: "MSG_RECALL_ACK",
	MessageRecallNote: "MSG_RECALL_NOTIFY", MessageReadNotify: "MSG_READ_NOTIFY",
	MessageReadReceipt: "MSG_READ_RECEIPT", MessageP2P: "MSG_P2P", MessageRead: "MSG_READ",
	MessageReceiveAck: "MSG_RECEIVE_ACK", MessageEdit: "MSG_EDIT", MessageEditAck: "MSG_EDIT_ACK",
	MessageEditNote: "MSG_EDIT_NOTIFY", MessageDeleteNote: "MSG_DELETE_NOTIFY", MessageTyping: "MSG_TYPING",

	GroupJoinRequest: "JOIN_GROUP", GroupAddedMember: "ADDED_MEMBER", GroupCreated: "CREATED_GROUP",
	GroupUpdated: "UPDATED_GROUP", GroupExit: "EXIT_GROUP", GroupUpdatedMember: "UPDATED_MEMBER",
	GroupDeletedMember: "DELETED_MEMBER", GroupDestroyed: "DESTROY_GROUP",
	GroupTransferred: "TRANSFER_GROUP", GroupMuted: "MUTE_GROUP", GroupMemberMuted: "SPEAK_GROUP_MEMBER",
	GroupMessageAck: "GROUP_MSG_ACK", GroupReadNotify: "MSG_GROUP_READ_NOTIFY",
	GroupReadReceipt: "MSG_GROUP_READ_RECEIPT", GroupMessage: "MSG_GROUP", GroupRead: "MSG_GROUP_READ",

	FriendAdd: "FRIEND_ADD", FriendUpdate: "FRIEND_UPDATE", FriendDelete: "FRIEND_DELETE",
	FriendRequest: "FRIEND_REQUEST", FriendRequestRead: "FRIEND_REQUEST_READ",
	FriendRequestApprove: "FRIEND_REQUEST_APPROVE", FriendBlackAdd: "FRIEND_BLACK_ADD",
	FriendBlackDelete: "FRIEND_BLACK_DELETE", FriendGroupAdd: "FRIEND_GROUP_ADD",
	FriendGroupDelete: "FRIEND_GROUP_DELETE", FriendGroupMemberAdd: "FRIEND_GROUP_MEMBER_ADD",
	FriendGroupMemberDelete: "FRIEND_GROUP_MEMBER_DELETE", FriendDeleteAll: "FRIEND_ALL_DELETE",

	UserModify: "USER_MODIFY", UserOnlineStatusChange: "USER_ONLINE_STATUS_CHANGE",
	UserOnlineStatusNotify: "USER_ONLINE_STATUS_CHANGE_NOTIFY",
	UserOnlineStatusSync:   "USER_ONLINE_STATUS_CHANGE_NOTIFY_SYNC",

	ConversationDelete: "CONVERSATION_DELETE", ConversationUpdate: "CONVERSATION_UPDATE",
	ConversationClear: "CONVERSATION_CLEAR",
}
