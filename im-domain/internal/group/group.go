package group

import (
	"strings"
	"unicode/utf8"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/ident"
)

// Type is WhaleShark's groupType.
type Type int

// Group types.
const (
	Private Type = 1 // WeChat-like: members invite, invite only, no managers
	Public  Type = 2 // QQ-like: managers, joins by the join type
)

// JoinType is WhaleShark's applyJoinType: how non-members get in.
type JoinType int

// Join types.
const (
	JoinForbidden JoinType = 0
	JoinApproval  JoinType = 1
	JoinFree      JoinType = 2
)

// Role is a member's role. RoleNone and RoleAppAdmin never stored: they
// are the pseudo-roles Check uses for non-members and app admins.
type Role int

// Roles (stored values follow WhaleShark).
const (
	RoleMember   Role = 0
	RoleManager  Role = 1
	RoleOwner    Role = 2
	RoleLeft     Role = 3 // the row stays so sync can carry a tombstone
	RoleNone     Role = -1
	RoleAppAdmin Role = 100
)

// Current reports whether r is a member's role (not left, not a pseudo-role).
func (r Role) Current() bool { return r == RoleMember || r == RoleManager || r == RoleOwner }

// Group statuses.
const (
	StatusNormal    = 1
	StatusDestroyed = 2
)

// Limits.
const (
	MaxBatch  = 100 // members per create/add request
	syncLimit = 100 // cap of maxLimit in syncJoinedGroup
)

// Group is a group's profile. JSON names follow WhaleShark's im_group.
type Group struct {
	ID           string   `json:"groupId"`
	OwnerID      string   `json:"ownerId"`
	Type         Type     `json:"groupType"`
	Name         string   `json:"groupName"`
	Mute         int      `json:"mute"` // 1: only the owner and managers may speak
	JoinType     JoinType `json:"applyJoinType"`
	Photo        string   `json:"photo"`
	MaxMembers   int      `json:"maxMemberCount"`
	Introduction string   `json:"introduction"`
	Notification string   `json:"notification"`
	Status       int      `json:"status"`
	Sequence     int64    `json:"sequence"`
	CreateTime   int64    `json:"createTime"`
	UpdateTime   int64    `json:"updateTime"`
	Extra        string   `json:"extra"`
}

// Member is one member row. A member who left or was removed keeps the row
// with RoleLeft and LeaveTime, so a later re-join updates it (one row per
// (app, group, member): a unique key, double adds are impossible).
type Member struct {
	ID        string `json:"memberId"`
	Role      Role   `json:"role"`
	SpeakDate int64  `json:"speakDate"` // muted until (unix ms); 0 or past: may speak
	Alias     string `json:"alias"`
	JoinTime  int64  `json:"joinTime"`
	LeaveTime int64  `json:"leaveTime"`
	JoinType  string `json:"joinType"` // create, invite, apply
	Extra     string `json:"extra"`
}

// Join ways recorded in Member.JoinType.
const (
	JoinedByCreate = "create"
	JoinedByInvite = "invite"
	JoinedByApply  = "apply"
)

// Join request statuses.
const (
	RequestPending  = 0
	RequestApproved = 1
	RequestRejected = 2
)

// JoinRequest is a non-member's request to join a JoinApproval group.
type JoinRequest struct {
	GroupID    string `json:"groupId"`
	UserID     string `json:"userId"`
	Message    string `json:"message"`
	Status     int    `json:"status"`
	HandledBy  string `json:"handledBy"`
	CreateTime int64  `json:"createTime"`
	UpdateTime int64  `json:"updateTime"`
}

// ValidID checks a group or user id: the one id alphabet, ident.ValidID.
func ValidID(field, id string) error { return ident.Check(field, id) }

// Patch is a partial group update: nil fields stay unchanged. Mute has its
// own endpoint (forbidSendMessage) and permission.
type Patch struct {
	Name         *string   `json:"groupName"`
	JoinType     *JoinType `json:"applyJoinType"`
	Photo        *string   `json:"photo"`
	MaxMembers   *int      `json:"maxMemberCount"`
	Introduction *string   `json:"introduction"`
	Notification *string   `json:"notification"`
	Extra        *string   `json:"extra"`
}

// Empty reports whether p changes nothing.
func (p Patch) Empty() bool {
	return p.Name == nil && p.JoinType == nil && p.Photo == nil && p.MaxMembers == nil &&
		p.Introduction == nil && p.Notification == nil && p.Extra == nil
}

// Apply copies the set fields of p onto g.
func (p Patch) Apply(g *Group) {
	set(&g.Name, p.Name)
	set(&g.JoinType, p.JoinType)
	set(&g.Photo, p.Photo)
	set(&g.MaxMembers, p.MaxMembers)
	set(&g.Introduction, p.Introduction)
	set(&g.Notification, p.Notification)
	set(&g.Extra, p.Extra)
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// validProfile checks g's fields; members is the current member count and
// appMax the app's max group size.
func validProfile(g *Group, members, appMax int) error {
	limits := []struct {
		name string
		v    string
		max  int
	}{{"groupName", g.Name, 100}, {"photo", g.Photo, 1024}, {"introduction", g.Introduction, 1024},
		{"notification", g.Notification, 1024}, {"extra", g.Extra, 16384}}
	for _, l := range limits {
		if utf8.RuneCountInString(l.v) > l.max {
			return errcode.MissingField.With(l.name + " too long")
		}
	}
	switch {
	case strings.TrimSpace(g.Name) == "":
		return errcode.MissingField.With("groupName")
	case g.Type != Private && g.Type != Public:
		return errcode.MissingField.With("groupType: 1 private or 2 public")
	case g.JoinType < JoinForbidden || g.JoinType > JoinFree:
		return errcode.MissingField.With("applyJoinType: 0 forbidden, 1 approval, 2 free")
	case g.MaxMembers < 2 || g.MaxMembers > appMax:
		return errcode.MissingField.With("maxMemberCount: 2..the app's max group size")
	case g.MaxMembers < members:
		return errcode.GroupFull.With("maxMemberCount below the current member count")
	}
	return nil
}
