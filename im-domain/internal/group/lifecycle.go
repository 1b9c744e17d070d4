package group

import (
	"context"
	"slices"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/webhook"
)

// MemberInput is an initial member of a new group.
type MemberInput struct {
	ID    string `json:"memberId"`
	Alias string `json:"alias"`
	Role  Role   `json:"role"` // 0 member (default) or 1 manager (public groups)
}

// CreateRequest is a new group: its profile (ID optional: generated when
// empty; OwnerID optional: the caller) and its initial members.
type CreateRequest struct {
	Group
	Members []MemberInput
}

// Info is a group with its current members (getGroupInfo).
type Info struct {
	Group
	MemberList []Member `json:"memberList"`
}

// Create makes a group owned by the caller (an app admin may name any
// owner), with the initial members, and pushes 2002 CREATED_GROUP to every
// member. Unknown users, a full group or a taken id change nothing.
func (s *Service) Create(ctx context.Context, appID uint32, a Actor, req CreateRequest) (Info, error) {
	g, members, err := s.newGroup(ctx, appID, a, req)
	if err != nil {
		return Info{}, err
	}
	ids := make([]string, len(members))
	for i, m := range members {
		ids[i] = m.ID
	}
	if err := s.checkUsers(ctx, appID, ids); err != nil {
		return Info{}, err
	}
	seq, err := s.store.CreateGroup(ctx, appID, g, members)
	if err != nil {
		return Info{}, err
	}
	g.Sequence = seq
	s.cache.invalidate(ctx, appID, g.ID) // a cached "not found"
	info := Info{Group: g, MemberList: members}
	s.notify(ctx, appID, a, command.GroupCreated, ids, info)
	s.after(ctx, appID, webhook.GroupCreateAfter, info)
	return info, nil
}

// newGroup validates req and builds the group and member rows.
func (s *Service) newGroup(ctx context.Context, appID uint32, a Actor, req CreateRequest) (Group, []Member, error) {
	g := req.Group
	switch {
	case g.OwnerID == "":
		g.OwnerID = a.UserID
	case g.OwnerID != a.UserID && !a.Admin:
		return Group{}, nil, errcode.IdentityMismatch.With("ownerId: only an app admin creates groups for others")
	}
	if g.ID == "" {
		g.ID = newGroupID()
	}
	if err := ValidID("groupId", g.ID); err != nil {
		return Group{}, nil, err
	}
	if err := ValidID("ownerId", g.OwnerID); err != nil {
		return Group{}, nil, err
	}
	appMax, err := s.maxGroupSize(ctx, appID)
	if err != nil {
		return Group{}, nil, err
	}
	if g.MaxMembers == 0 {
		g.MaxMembers = appMax
	}
	now := s.nowMs()
	g.Status, g.Sequence, g.CreateTime, g.UpdateTime = StatusNormal, 0, now, now
	if g.Mute != 0 && g.Mute != 1 {
		return Group{}, nil, errcode.MissingField.With("mute: 0 or 1")
	}
	members, err := initialMembers(g, req.Members, now)
	if err != nil {
		return Group{}, nil, err
	}
	return g, members, validProfile(&g, len(members), appMax)
}

func initialMembers(g Group, in []MemberInput, now int64) ([]Member, error) {
	if len(in) > MaxBatch {
		return nil, errcode.BatchTooLarge.With("member: at most 100 per request")
	}
	members := []Member{{ID: g.OwnerID, Role: RoleOwner, JoinTime: now, JoinType: JoinedByCreate}}
	for _, m := range in {
		if err := ValidID("member.memberId", m.ID); err != nil {
			return nil, err
		}
		switch {
		case m.Role == RoleManager && g.Type == Private:
			return nil, errcode.MissingField.With("member.role: private groups have no managers")
		case m.Role != RoleMember && m.Role != RoleManager:
			return nil, errcode.MissingField.With("member.role: 0 member or 1 manager")
		case slices.ContainsFunc(members, func(x Member) bool { return x.ID == m.ID }):
			continue // the owner listed again, or a duplicate
		}
		members = append(members, Member{ID: m.ID, Role: m.Role, Alias: m.Alias, JoinTime: now, JoinType: JoinedByInvite})
	}
	if len(members) > g.MaxMembers {
		return nil, errcode.GroupFull.With("more members than maxMemberCount")
	}
	return members, nil
}

// Info returns the group and its current members: anyone for public
// groups, members (and app admins) for private ones.
func (s *Service) Info(ctx context.Context, appID uint32, a Actor, groupID string) (Info, error) {
	st, err := s.load(ctx, appID, groupID)
	if err != nil {
		return Info{}, err
	}
	if err := Check(ActView, st.Group.Type, roleOf(&st, a), RoleNone); err != nil {
		return Info{}, err
	}
	members := make([]Member, 0, len(st.Members))
	for _, id := range current(st.Members) {
		members = append(members, *st.Members[id])
	}
	return Info{Group: st.Group, MemberList: members}, nil
}

// load reads a group and its current members, without locking.
func (s *Service) load(ctx context.Context, appID uint32, groupID string) (State, error) {
	if err := ValidID("groupId", groupID); err != nil {
		return State{}, err
	}
	g, err := s.store.GroupInfo(ctx, appID, groupID)
	if err != nil {
		return State{}, err
	}
	members, err := s.store.GroupMembers(ctx, appID, groupID)
	if err != nil {
		return State{}, err
	}
	return State{Group: g, Members: byID(members)}, nil
}

// MemberList returns the current members with their roles (Info's rule).
func (s *Service) MemberList(ctx context.Context, appID uint32, a Actor, groupID string) ([]Member, error) {
	info, err := s.Info(ctx, appID, a, groupID)
	return info.MemberList, err
}

func byID(members []Member) map[string]*Member {
	out := make(map[string]*Member, len(members))
	for i := range members {
		out[members[i].ID] = &members[i]
	}
	return out
}

// Update applies p (Check ActUpdate) and pushes 2003 UPDATED_GROUP to the
// members. WhaleShark's check was inverted and refused every live group.
func (s *Service) Update(ctx context.Context, appID uint32, a Actor, groupID string, p Patch) (Group, error) {
	if p.Empty() {
		return Group{}, errcode.MissingField.With("nothing to update")
	}
	appMax, err := s.maxGroupSize(ctx, appID)
	if err != nil {
		return Group{}, err
	}
	st, _, err := s.edit(ctx, appID, groupID, func(st *State) (Edit, error) {
		if err := Check(ActUpdate, st.Group.Type, roleOf(st, a), RoleNone); err != nil {
			return Edit{}, err
		}
		p.Apply(&st.Group)
		st.Group.UpdateTime = s.nowMs()
		return Edit{Group: true}, validProfile(&st.Group, len(current(st.Members)), appMax)
	})
	if err != nil {
		return Group{}, err
	}
	s.notify(ctx, appID, a, command.GroupUpdated, current(st.Members), st.Group)
	s.after(ctx, appID, webhook.GroupUpdateAfter, st.Group)
	return st.Group, nil
}

// Destroy marks the group destroyed (owner or app admin: WhaleShark let
// anyone destroy a private group) and pushes 2007 DESTROY_GROUP to the
// members. Member rows stay, so joined-group sync carries tombstones.
func (s *Service) Destroy(ctx context.Context, appID uint32, a Actor, groupID string) error {
	st, seq, err := s.edit(ctx, appID, groupID, func(st *State) (Edit, error) {
		if err := Check(ActDestroy, st.Group.Type, roleOf(st, a), RoleNone); err != nil {
			return Edit{}, err
		}
		st.Group.Status, st.Group.UpdateTime = StatusDestroyed, s.nowMs()
		return Edit{Group: true}, nil
	})
	if err != nil {
		return err
	}
	data := map[string]any{"groupId": groupID, "sequence": seq}
	s.notify(ctx, appID, a, command.GroupDestroyed, current(st.Members), data)
	s.after(ctx, appID, webhook.GroupDestroyAfter, st.Group)
	return nil
}

// Transfer makes ownerID (a current member) the owner, demotes the old
// owner to member, and pushes 2008 TRANSFER_GROUP to the members
// (WhaleShark sent nothing).
func (s *Service) Transfer(ctx context.Context, appID uint32, a Actor, groupID, ownerID string) error {
	if err := ValidID("ownerId", ownerID); err != nil {
		return err
	}
	var old string
	st, seq, err := s.edit(ctx, appID, groupID, func(st *State) (Edit, error) {
		if err := Check(ActTransfer, st.Group.Type, roleOf(st, a), RoleNone); err != nil {
			return Edit{}, err
		}
		old = st.Group.OwnerID
		if old == ownerID {
			return Edit{}, nil
		}
		if memberRole(st.Members, ownerID) == RoleNone {
			return Edit{}, errcode.NotGroupMember.With("ownerId")
		}
		st.Group.OwnerID, st.Group.UpdateTime = ownerID, s.nowMs()
		st.Members[ownerID].Role = RoleOwner
		ids := []string{ownerID}
		if m := st.Members[old]; m != nil && m.Role == RoleOwner {
			m.Role = RoleMember
			ids = append(ids, old)
		}
		return Edit{Group: true, Members: ids}, nil
	})
	if err != nil || seq == 0 {
		return err
	}
	data := map[string]any{"groupId": groupID, "ownerId": ownerID, "oldOwnerId": old, "sequence": seq}
	s.notify(ctx, appID, a, command.GroupTransferred, current(st.Members), data)
	s.after(ctx, appID, webhook.GroupTransferAfter, data)
	return nil
}

// MuteAll mutes (1) or unmutes (0) the whole group: only the owner and
// managers may then send. Pushes 2009 MUTE_GROUP to the members
// (WhaleShark sent nothing and bumped no sequence).
func (s *Service) MuteAll(ctx context.Context, appID uint32, a Actor, groupID string, mute int) error {
	if mute != 0 && mute != 1 {
		return errcode.MissingField.With("mute: 0 or 1")
	}
	st, seq, err := s.edit(ctx, appID, groupID, func(st *State) (Edit, error) {
		if err := Check(ActMuteAll, st.Group.Type, roleOf(st, a), RoleNone); err != nil {
			return Edit{}, err
		}
		if st.Group.Mute == mute {
			return Edit{}, nil
		}
		st.Group.Mute, st.Group.UpdateTime = mute, s.nowMs()
		return Edit{Group: true}, nil
	})
	if err != nil || seq == 0 {
		return err
	}
	data := map[string]any{"groupId": groupID, "mute": mute, "sequence": seq}
	s.notify(ctx, appID, a, command.GroupMuted, current(st.Members), data)
	return nil
}
