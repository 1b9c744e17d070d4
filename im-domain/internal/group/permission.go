package group

import "github.com/whaleim/whaleim/im-common/errcode"

// Action is something a user may try in a group.
type Action int

// Actions. Target-relative ones (MuteMember, SetRole, Remove) also depend
// on the role of the member acted on.
const (
	ActView       Action = iota // read the group and its members
	ActUpdate                   // change the profile
	ActDestroy                  // destroy the group
	ActTransfer                 // hand ownership to another member
	ActMuteAll                  // mute or unmute the whole group
	ActMuteMember               // mute or unmute one member (target-relative)
	ActSetRole                  // make a member manager or member (target-relative)
	ActAdd                      // add (invite) members
	ActRemove                   // remove a member (target-relative)
	ActJoin                     // ask to join (self)
	ActHandleJoin               // list, approve or reject join requests
	ActQuit                     // leave (self)
)

var (
	errNotMember  = errcode.NotGroupMember
	errPermission = errcode.GroupPermission
)

// Check is the permission matrix: nil when a user with role actor may do
// act in a group of type typ to a member with role target (RoleNone for
// actions without a target). actor is RoleNone for non-members (never
// joined or left) and RoleAppAdmin for an app admin acting as itself, who
// may do everything except join and quit (those are a user's own acts)
// and removing the owner (destroy or transfer instead).
//
// Private groups (WeChat-like) have no managers: every member may update
// the profile and invite; only the owner removes, mutes and destroys.
// Public groups (QQ-like): the owner and managers administer; managers
// only act on ordinary members; only the owner names managers.
func Check(act Action, typ Type, actor, target Role) error {
	if actor == RoleLeft {
		actor = RoleNone
	}
	if typ == Private && actor == RoleManager {
		actor = RoleMember // unreachable in practice: private groups never get managers
	}
	switch act {
	case ActJoin:
		return checkJoin(typ, actor)
	case ActQuit:
		return checkQuit(actor)
	case ActMuteMember, ActSetRole, ActRemove:
		return checkTargeted(act, typ, actor, target)
	}
	switch {
	case actor == RoleAppAdmin:
		return nil
	case act == ActView && typ == Public:
		return nil
	case actor == RoleNone:
		return errNotMember
	}
	return checkMember(act, typ, actor)
}

func checkMember(act Action, typ Type, actor Role) error {
	admin := actor == RoleOwner || actor == RoleManager
	var ok bool
	switch act {
	case ActView:
		ok = true
	case ActUpdate, ActAdd:
		ok = typ == Private || admin
	case ActDestroy, ActTransfer:
		ok = actor == RoleOwner
	case ActMuteAll, ActHandleJoin:
		ok = admin
	}
	if !ok {
		return errPermission
	}
	return nil
}

func checkJoin(typ Type, actor Role) error {
	switch {
	case actor == RoleAppAdmin:
		return errPermission.With("an app admin adds members instead; to join as a user, name it in operater")
	case actor != RoleNone:
		return errcode.AlreadyGroupMember
	case typ == Private:
		return errcode.GroupJoinForbidden.With("private groups are invite only")
	}
	return nil
}

func checkQuit(actor Role) error {
	switch actor {
	case RoleOwner:
		return errcode.OwnerCannotQuit
	case RoleManager, RoleMember:
		return nil
	case RoleAppAdmin:
		return errPermission.With("an app admin is not a member; to quit as a user, name it in operater")
	}
	return errNotMember
}

// checkTargeted: the target must be a member; nobody acts on a member of
// equal or higher rank, except an app admin; private groups have no
// managers to name.
func checkTargeted(act Action, typ Type, actor, target Role) error {
	if act == ActSetRole && typ == Private {
		return errPermission.With("private groups have no managers")
	}
	if target == RoleLeft || target == RoleNone {
		return errNotMember.With("target")
	}
	if typ == Private && target == RoleManager {
		target = RoleMember
	}
	switch {
	case target == RoleOwner && act != ActMuteMember:
		return errPermission.With("the owner's role changes only by transfer")
	case actor == RoleAppAdmin:
		return nil
	case actor == RoleNone:
		return errNotMember
	case act == ActSetRole && actor != RoleOwner:
		return errPermission
	case typ == Private && actor != RoleOwner:
		return errPermission
	case rank(actor) <= rank(target) || actor == RoleMember:
		return errPermission
	}
	return nil
}

func rank(r Role) int {
	switch r {
	case RoleOwner:
		return 2
	case RoleManager:
		return 1
	}
	return 0
}
