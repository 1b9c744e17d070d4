package webhook

// Event names, as WhaleShark's callback commands (with its
// "group.destory.after" typo fixed and "black.delete" given its suffix).
const (
	UserModifyAfter        = "user.modify.after"
	FriendAddBefore        = "friend.add.before"
	FriendAddAfter         = "friend.add.after"
	FriendUpdateBefore     = "friend.update.before"
	FriendUpdateAfter      = "friend.update.after"
	FriendDeleteAfter      = "friend.delete.after"
	BlackAddAfter          = "black.add.after"
	BlackDeleteAfter       = "black.delete.after"
	GroupCreateAfter       = "group.create.after"
	GroupUpdateAfter       = "group.update.after"
	GroupDestroyAfter      = "group.destroy.after"
	GroupTransferAfter     = "group.transfer.after"
	GroupMemberAddBefore   = "group.member.add.before"
	GroupMemberAddAfter    = "group.member.add.after"
	GroupMemberDeleteAfter = "group.member.delete.after"
	GroupMemberUpdateAfter = "group.member.update.after" // not in WhaleShark: alias, role or extra changed
	MessageSendBefore      = "message.send.before"
	MessageSendAfter       = "message.send.after"
	GroupMessageSendBefore = "group.message.send.before"
	GroupMessageSendAfter  = "group.message.send.after"
)

// Events lists every event an app may enable (the webhookEvents setting).
var Events = []string{
	UserModifyAfter, FriendAddBefore, FriendAddAfter, FriendUpdateBefore, FriendUpdateAfter,
	FriendDeleteAfter, BlackAddAfter, BlackDeleteAfter, GroupCreateAfter, GroupUpdateAfter,
	GroupDestroyAfter, GroupTransferAfter, GroupMemberAddBefore, GroupMemberAddAfter,
	GroupMemberDeleteAfter, GroupMemberUpdateAfter, MessageSendBefore, MessageSendAfter,
	GroupMessageSendBefore, GroupMessageSendAfter,
}

// Rewritable reports whether a before-callback of event may replace the
// payload (the member list of group.member.add.before); for every other
// event the reply's data is ignored.
func Rewritable(event string) bool { return event == GroupMemberAddBefore }
