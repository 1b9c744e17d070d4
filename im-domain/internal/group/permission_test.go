package group

import (
	"errors"
	"fmt"
	"testing"

	"github.com/whaleim/whaleim/im-common/errcode"
)

// TestPermissionMatrix is the whole who-may-do-what table. Each row is one
// action in one group type (and, for target-relative actions, on a target
// role); each letter is the outcome for the actor columns
//
//	owner  manager  member  non-member  app-admin
//
// y allowed, P GroupPermission, N NotGroupMember, O OwnerCannotQuit,
// J GroupJoinForbidden, A AlreadyGroupMember. Private groups never have
// managers (the manager column there is what a stray manager row would
// get: a member's rights).
func TestPermissionMatrix(t *testing.T) {
	actors := []Role{RoleOwner, RoleManager, RoleMember, RoleNone, RoleAppAdmin}
	outcome := map[byte]*errcode.Error{'P': errcode.GroupPermission, 'N': errcode.NotGroupMember,
		'O': errcode.OwnerCannotQuit, 'J': errcode.GroupJoinForbidden, 'A': errcode.AlreadyGroupMember}
	const none = RoleNone
	rows := []struct {
		act    Action
		typ    Type
		target Role
		want   string
	}{
		{ActView, Private, none, "yyyNy"},
		{ActView, Public, none, "yyyyy"},
		{ActUpdate, Private, none, "yyyNy"},
		{ActUpdate, Public, none, "yyPNy"},
		{ActDestroy, Private, none, "yPPNy"}, // WhaleShark: anyone destroyed a private group
		{ActDestroy, Public, none, "yPPNy"},
		{ActTransfer, Private, none, "yPPNy"},
		{ActTransfer, Public, none, "yPPNy"},
		{ActMuteAll, Private, none, "yPPNy"},
		{ActMuteAll, Public, none, "yyPNy"},
		{ActAdd, Private, none, "yyyNy"}, // WhaleShark: no operator check in private groups
		{ActAdd, Public, none, "yyPNy"},  // WhaleShark: public groups always refused
		{ActHandleJoin, Private, none, "yPPNy"},
		{ActHandleJoin, Public, none, "yyPNy"},
		{ActJoin, Private, none, "AAAJP"},
		{ActJoin, Public, none, "AAAyP"},
		{ActQuit, Private, none, "OyyNP"},
		{ActQuit, Public, none, "OyyNP"},

		{ActRemove, Private, RoleOwner, "PPPPP"}, // WhaleShark: no check in private groups
		{ActRemove, Private, RoleMember, "yPPNy"},
		{ActRemove, Private, RoleLeft, "NNNNN"},
		{ActRemove, Public, RoleOwner, "PPPPP"},
		{ActRemove, Public, RoleManager, "yPPNy"},
		{ActRemove, Public, RoleMember, "yyPNy"},
		{ActRemove, Public, none, "NNNNN"},

		{ActMuteMember, Private, RoleOwner, "PPPNy"},
		{ActMuteMember, Private, RoleMember, "yPPNy"},
		{ActMuteMember, Public, RoleOwner, "PPPNy"},
		{ActMuteMember, Public, RoleManager, "yPPNy"},
		{ActMuteMember, Public, RoleMember, "yyPNy"},
		{ActMuteMember, Public, RoleLeft, "NNNNN"},

		{ActSetRole, Private, RoleMember, "PPPPP"},
		{ActSetRole, Public, RoleOwner, "PPPPP"},
		{ActSetRole, Public, RoleManager, "yPPNy"},
		{ActSetRole, Public, RoleMember, "yPPNy"},
		{ActSetRole, Public, none, "NNNNN"},
	}
	for _, row := range rows {
		for i, actor := range actors {
			name := fmt.Sprintf("act%d/type%d/target%d/actor%d", row.act, row.typ, row.target, actor)
			err := Check(row.act, row.typ, actor, row.target)
			want := row.want[i]
			switch {
			case want == 'y' && err != nil:
				t.Errorf("%s: %v, want allowed", name, err)
			case want != 'y' && !errors.Is(err, outcome[want]):
				t.Errorf("%s: %v, want %v", name, err, outcome[want])
			}
		}
	}
	// A member who left is a non-member.
	if err := Check(ActView, Private, RoleLeft, RoleNone); !errors.Is(err, errcode.NotGroupMember) {
		t.Errorf("left member viewing a private group: %v", err)
	}
}
