package errcode

func e(c Code, msg string) *Error { return &Error{Code: c, Message: msg} }

// The table. Append only: never renumber, never reuse.
var (
	Success = e(200, "ok")

	BadRequest        = e(1000, "bad request")
	MalformedJSON     = e(1001, "malformed json")
	MissingField      = e(1002, "missing or invalid field")
	BatchTooLarge     = e(1003, "batch too large")
	UnknownCommand    = e(1004, "unknown command")
	MalformedFrame    = e(1005, "malformed frame")
	FrameTooLarge     = e(1006, "frame too large")
	UnsupportedFormat = e(1007, "unsupported body format")
	NotFound          = e(1008, "not found")
	RateLimited       = e(1009, "rate limited")
	Conflict          = e(1010, "conflict")

	Unauthenticated  = e(2000, "not logged in")
	SignMissing      = e(2001, "user sign missing")
	SignInvalid      = e(2002, "user sign invalid")
	SignExpired      = e(2003, "user sign expired")
	AppMismatch      = e(2004, "app id mismatch")
	IdentityMismatch = e(2005, "identity mismatch")
	Forbidden        = e(2006, "forbidden")
	AppNotFound      = e(2007, "app not found")
	LoginTimeout     = e(2008, "login deadline passed")

	UserNotFound  = e(3000, "user not found")
	UserExists    = e(3001, "user already exists")
	UserForbidden = e(3002, "user is forbidden")
	UserMuted     = e(3003, "user is muted")

	NotFriends             = e(4000, "not friends")
	AlreadyFriends         = e(4001, "already friends")
	Blocked                = e(4002, "blocked by the receiver")
	FriendRequestNotFound  = e(4003, "friend request not found")
	FriendRequestHandled   = e(4004, "friend request already handled")
	FriendGroupExists      = e(4005, "friend group already exists")
	FriendGroupNotFound    = e(4006, "friend group not found")
	AddFriendSelf          = e(4007, "cannot befriend oneself")
	BlacklistedByRequester = e(4008, "the requester blocked this user")

	GroupNotFound      = e(5000, "group not found")
	GroupExists        = e(5001, "group already exists")
	GroupDestroyed     = e(5002, "group destroyed")
	NotGroupMember     = e(5003, "not a group member")
	AlreadyGroupMember = e(5004, "already a group member")
	GroupMuted         = e(5005, "group is muted")
	MemberMuted        = e(5006, "member is muted")
	GroupFull          = e(5007, "group is full")
	GroupJoinForbidden = e(5008, "group does not accept joins")
	GroupPermission    = e(5009, "no permission in this group")
	OwnerCannotQuit    = e(5010, "the owner must transfer or destroy the group")
	JoinRequestPending = e(5011, "join request pending approval")

	MessageNotFound     = e(6000, "message not found")
	RecallWindowExpired = e(6001, "recall window expired")
	RecallNotAllowed    = e(6002, "not allowed to recall this message")
	MessageTooLarge     = e(6003, "message too large")
	ConversationDenied  = e(6004, "not a member of this conversation")
	DuplicateMessage    = e(6005, "duplicate message")

	ConnectionLimit = e(7000, "too many connections")
	SenderMismatch  = e(7001, "fromId is not the logged-in user")
	Kicked          = e(7002, "logged in on another device")
	SlowConsumer    = e(7003, "client too slow to read")

	ConversationNotFound = e(8000, "conversation not found")

	Internal     = e(9000, "internal error")
	Unavailable  = e(9001, "service unavailable, retry")
	Timeout      = e(9002, "timed out, retry")
	CallbackVeto = e(9003, "rejected by the app callback")

	NotBlacklisted = e(4009, "not in the blacklist")

	AuthThrottled = e(2009, "too many failed authentications from this address, retry later")
	AdminNonce    = e(2010, "admin call needs a fresh random")

	// LoggedOutByAdmin is the 9002 code of a device the app admin logged
	// out over REST (/v1/admin/forceLogout).
	LoggedOutByAdmin = e(7004, "logged out by the app admin")

	// Edits of sent messages (1055).
	EditWindowExpired = e(6006, "edit window expired")
	EditNotAllowed    = e(6007, "only the sender may edit a message")
	MessageRecalled   = e(6008, "message was recalled")
)

// table lists every entry; errcode_test pins it so edits show up as diffs.
var table = []*Error{
	Success,
	BadRequest, MalformedJSON, MissingField, BatchTooLarge, UnknownCommand, MalformedFrame,
	FrameTooLarge, UnsupportedFormat, NotFound, RateLimited, Conflict,
	Unauthenticated, SignMissing, SignInvalid, SignExpired, AppMismatch, IdentityMismatch,
	Forbidden, AppNotFound, LoginTimeout,
	UserNotFound, UserExists, UserForbidden, UserMuted,
	NotFriends, AlreadyFriends, Blocked, FriendRequestNotFound, FriendRequestHandled,
	FriendGroupExists, FriendGroupNotFound, AddFriendSelf, BlacklistedByRequester,
	GroupNotFound, GroupExists, GroupDestroyed, NotGroupMember, AlreadyGroupMember, GroupMuted,
	MemberMuted, GroupFull, GroupJoinForbidden, GroupPermission, OwnerCannotQuit, JoinRequestPending,
	MessageNotFound, RecallWindowExpired, RecallNotAllowed, MessageTooLarge, ConversationDenied,
	DuplicateMessage,
	ConnectionLimit, SenderMismatch, Kicked, SlowConsumer,
	ConversationNotFound,
	Internal, Unavailable, Timeout, CallbackVeto,
	NotBlacklisted,
	AuthThrottled, AdminNonce,
	LoggedOutByAdmin,
	EditWindowExpired, EditNotAllowed, MessageRecalled,
}
