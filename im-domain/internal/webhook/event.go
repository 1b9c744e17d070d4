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
	PushOffline            = "push.offline" // not in WhaleShark: a message for a user with no online device (package push)
)

// Events lists every event an app may enable (the webhookEvents setting).
var Events = []string{
	UserModifyAfter, FriendAddBefore, FriendAddAfter, FriendUpdateBefore, FriendUpdateAfter,
	FriendDeleteAfter, BlackAddAfter, BlackDeleteAfter, GroupCreateAfter, GroupUpdateAfter,
	GroupDestroyAfter, GroupTransferAfter, GroupMemberAddBefore, GroupMemberAddAfter,
	GroupMemberDeleteAfter, GroupMemberUpdateAfter, MessageSendBefore, MessageSendAfter,
	GroupMessageSendBefore, GroupMessageSendAfter, PushOffline,
}

// Rewritable reports whether a before-callback of event may replace the
// payload (the member list of group.member.add.before); for every other
// event the reply's data is ignored.
func Rewritable(event string) bool { return event == GroupMemberAddBefore }

// whaleSharkNames are WhaleShark's names of the events whose name differs
// here: its typo and its missing suffix.
var whaleSharkNames = map[string]string{
	BlackDeleteAfter:  "black.delete",
	GroupDestroyAfter: "group.destory.after",
}

// Canonical returns the event called name, which may be WhaleShark's name
// of it (black.delete, group.destory.after): an app configured for a
// WhaleShark back-end keeps its event list. ok is false for an unknown name.
func Canonical(name string) (event string, ok bool) {
	for ev, alias := range whaleSharkNames {
		if name == alias {
			return ev, true
		}
	}
	for _, ev := range Events {
		if name == ev {
			return ev, true
		}
	}
	return name, false
}

// Command is the value of the command query parameter of event's
// requests: WhaleShark's name, which its back-ends dispatch on. The
// X-IM-Event header always carries the name of Events.
func Command(event string) string {
	if alias, ok := whaleSharkNames[event]; ok {
		return alias
	}
	return event
}
