package group

import (
	"context"
	"maps"
	"slices"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/webhook"
)

// Add results per member (WhaleShark's AddMemberResp.result).
const (
	AddOK      = 0
	AddAlready = 2
)

// AddResult is the outcome for one member of an add.
type AddResult struct {
	MemberID string `json:"memberId"`
	Result   int    `json:"result"` // AddOK or AddAlready
}

// AddMembers adds users (Check ActAdd: any member of a private group, the
// owner and managers of a public one; WhaleShark refused every public group
// and let anyone add to a private one). Unknown users or exceeding the
// group's max size change nothing. Pushes 2001 ADDED_MEMBER to every
// member, the new ones included. The app's group.member.add.before
// callback may veto the add or replace the list; it is called only for a
// caller allowed to add.
func (s *Service) AddMembers(ctx context.Context, appID uint32, a Actor, groupID string, ids []string) ([]AddResult, error) {
	ids, err := checkBatch(ids)
	if err != nil {
		return nil, err
	}
	if err := s.mayAdd(ctx, appID, a, groupID); err != nil {
		return nil, err
	}
	if ids, err = s.rewriteMembers(ctx, appID, a, groupID, ids); err != nil || len(ids) == 0 {
		return []AddResult{}, err
	}
	if err := s.checkUsers(ctx, appID, ids); err != nil {
		return nil, err
	}
	var out []AddResult
	st, seq, err := s.edit(ctx, appID, groupID, func(st *State) (Edit, error) {
		if err := Check(ActAdd, st.Group.Type, roleOf(st, a), RoleNone); err != nil {
			return Edit{}, err
		}
		var added []string
		out = out[:0]
		for _, id := range ids {
			if memberRole(st.Members, id) != RoleNone {
				out = append(out, AddResult{MemberID: id, Result: AddAlready})
				continue
			}
			out = append(out, AddResult{MemberID: id, Result: AddOK})
			added = append(added, id)
		}
		return s.admit(st, a.UserID, added, JoinedByInvite)
	})
	if err != nil {
		return nil, err
	}
	if seq != 0 {
		s.notifyAdded(ctx, appID, a, st, addedOf(out), seq, JoinedByInvite)
	}
	return out, nil
}

// mayAdd checks ActAdd without locking, so that a caller who may not add
// never reaches the app's before-callback (AddMembers checks again under
// the lock).
func (s *Service) mayAdd(ctx context.Context, appID uint32, a Actor, groupID string) error {
	st, err := s.load(ctx, appID, groupID)
	if err != nil {
		return err
	}
	if st.Group.Status == StatusDestroyed {
		return errcode.GroupDestroyed
	}
	return Check(ActAdd, st.Group.Type, roleOf(&st, a), RoleNone)
}

func addedOf(results []AddResult) []string {
	var ids []string
	for _, r := range results {
		if r.Result == AddOK {
			ids = append(ids, r.MemberID)
		}
	}
	return ids
}

// notifyAdded pushes 2001 ADDED_MEMBER and queues group.member.add.after.
func (s *Service) notifyAdded(ctx context.Context, appID uint32, a Actor, st State, added []string, seq int64, how string) {
	data := map[string]any{"groupId": st.Group.ID, "members": added, "operater": a.UserID, "sequence": seq}
	s.notify(ctx, appID, a, command.GroupAddedMember, current(st.Members), data)
	ev := membersEvent{GroupID: st.Group.ID, Operater: a.UserID, Members: added, JoinType: how}
	s.after(ctx, appID, webhook.GroupMemberAddAfter, ev)
}

// admit makes ids members (new rows or re-joins of left ones) after the
// size check, and closes their pending join requests.
func (s *Service) admit(st *State, by string, ids []string, how string) (Edit, error) {
	if len(ids) == 0 {
		return Edit{}, nil
	}
	if len(current(st.Members))+len(ids) > st.Group.MaxMembers {
		return Edit{}, errcode.GroupFull
	}
	now := s.nowMs()
	var e Edit
	for _, id := range ids {
		st.Members[id] = &Member{ID: id, Role: RoleMember, JoinTime: now, JoinType: how}
		e.Members = append(e.Members, id)
		if r := st.Requests[id]; r != nil && r.Status == RequestPending {
			r.Status, r.HandledBy, r.UpdateTime = RequestApproved, by, now
			e.Requests = append(e.Requests, id)
		}
	}
	return e, nil
}

func checkBatch(ids []string) ([]string, error) {
	switch {
	case len(ids) == 0:
		return nil, errcode.MissingField.With("members")
	case len(ids) > MaxBatch:
		return nil, errcode.BatchTooLarge.With("members: at most 100 per request")
	}
	for _, id := range ids {
		if err := ValidID("members", id); err != nil {
			return nil, err
		}
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out), nil
}

// RemoveMember removes memberID (Check ActRemove; WhaleShark checked
// nothing in private groups). The row stays with RoleLeft. Pushes 2006
// DELETED_MEMBER once to every member, the removed one included
// (WhaleShark sent it N times to the removed member).
func (s *Service) RemoveMember(ctx context.Context, appID uint32, a Actor, groupID, memberID string) error {
	if err := ValidID("memberId", memberID); err != nil {
		return err
	}
	var to []string
	_, seq, err := s.edit(ctx, appID, groupID, func(st *State) (Edit, error) {
		if err := Check(ActRemove, st.Group.Type, roleOf(st, a), memberRole(st.Members, memberID)); err != nil {
			return Edit{}, err
		}
		to = current(st.Members)
		s.leave(st.Members[memberID])
		return Edit{Members: []string{memberID}}, nil
	})
	if err != nil {
		return err
	}
	data := map[string]any{"groupId": groupID, "member": memberID, "operater": a.UserID, "sequence": seq}
	s.notify(ctx, appID, a, command.GroupDeletedMember, to, data)
	s.after(ctx, appID, webhook.GroupMemberDeleteAfter, memberEvent{GroupID: groupID, Operater: a.UserID, MemberID: memberID})
	return nil
}

func (s *Service) leave(m *Member) {
	m.Role, m.LeaveTime, m.SpeakDate = RoleLeft, s.nowMs(), 0
}

// Quit leaves the group (the owner must transfer or destroy first) and
// pushes 2004 EXIT_GROUP to every member and the quitter's other devices.
func (s *Service) Quit(ctx context.Context, appID uint32, a Actor, groupID string) error {
	var to []string
	_, seq, err := s.edit(ctx, appID, groupID, func(st *State) (Edit, error) {
		if err := Check(ActQuit, st.Group.Type, roleOf(st, a), RoleNone); err != nil {
			return Edit{}, err
		}
		to = current(st.Members)
		s.leave(st.Members[a.UserID])
		return Edit{Members: []string{a.UserID}}, nil
	})
	if err != nil {
		return err
	}
	data := map[string]any{"groupId": groupID, "memberId": a.UserID, "sequence": seq}
	s.notify(ctx, appID, a, command.GroupExit, to, data)
	s.after(ctx, appID, webhook.GroupMemberDeleteAfter, memberEvent{GroupID: groupID, Operater: a.UserID, MemberID: a.UserID})
	return nil
}

// MaxMuteMs bounds one member mute (a year).
const MaxMuteMs = 365 * 24 * 3600 * 1000

// MuteMember mutes memberID for ms milliseconds from now, or unmutes it
// when ms <= 0 (Check ActMuteMember: only an app admin mutes the owner).
// Pushes 2010 SPEAK_GROUP_MEMBER to every member.
func (s *Service) MuteMember(ctx context.Context, appID uint32, a Actor, groupID, memberID string, ms int64) (Member, error) {
	if err := ValidID("memberId", memberID); err != nil {
		return Member{}, err
	}
	if ms > MaxMuteMs {
		return Member{}, errcode.MissingField.With("speakDate: at most a year")
	}
	st, seq, err := s.edit(ctx, appID, groupID, func(st *State) (Edit, error) {
		err := Check(ActMuteMember, st.Group.Type, roleOf(st, a), memberRole(st.Members, memberID))
		if err != nil {
			return Edit{}, err
		}
		m := st.Members[memberID]
		m.SpeakDate = 0
		if ms > 0 {
			m.SpeakDate = s.nowMs() + ms
		}
		return Edit{Members: []string{memberID}}, nil
	})
	if err != nil {
		return Member{}, err
	}
	m := *st.Members[memberID]
	data := map[string]any{"groupId": groupID, "memberId": memberID, "speakDate": m.SpeakDate, "sequence": seq}
	s.notify(ctx, appID, a, command.GroupMemberMuted, current(st.Members), data)
	return m, nil
}

// MemberPatch changes a member: Alias and Extra by the member itself (or an
// app admin), Role (0 member, 1 manager) by the owner of a public group.
type MemberPatch struct {
	Alias *string `json:"alias"`
	Extra *string `json:"extra"`
	Role  *Role   `json:"role"`
}

// UpdateMember applies p and pushes 2005 UPDATED_MEMBER once to every
// member (WhaleShark sent it N times to the updated member).
func (s *Service) UpdateMember(ctx context.Context, appID uint32, a Actor, groupID, memberID string, p MemberPatch) (Member, error) {
	if err := p.validate(memberID); err != nil {
		return Member{}, err
	}
	st, seq, err := s.edit(ctx, appID, groupID, func(st *State) (Edit, error) {
		if err := p.allowed(st, a, memberID); err != nil {
			return Edit{}, err
		}
		m := st.Members[memberID]
		set(&m.Alias, p.Alias)
		set(&m.Extra, p.Extra)
		set(&m.Role, p.Role)
		return Edit{Members: []string{memberID}}, nil
	})
	if err != nil {
		return Member{}, err
	}
	m := *st.Members[memberID]
	data := map[string]any{"groupId": groupID, "memberId": memberID, "alias": m.Alias, "role": m.Role,
		"extra": m.Extra, "sequence": seq}
	s.notify(ctx, appID, a, command.GroupUpdatedMember, current(st.Members), data)
	ev := maps.Clone(data)
	ev["operater"] = a.UserID
	s.after(ctx, appID, webhook.GroupMemberUpdateAfter, ev)
	return m, nil
}

func (p MemberPatch) validate(memberID string) error {
	if err := ValidID("memberId", memberID); err != nil {
		return err
	}
	switch {
	case p.Alias == nil && p.Extra == nil && p.Role == nil:
		return errcode.MissingField.With("nothing to update")
	case p.Role != nil && *p.Role != RoleMember && *p.Role != RoleManager:
		return errcode.MissingField.With("role: 0 member or 1 manager; the owner changes by transferGroup")
	case p.Alias != nil && len(*p.Alias) > 100, p.Extra != nil && len(*p.Extra) > 16384:
		return errcode.MissingField.With("alias or extra too long")
	}
	return nil
}

func (p MemberPatch) allowed(st *State, a Actor, memberID string) error {
	target := memberRole(st.Members, memberID)
	if target == RoleNone {
		return errcode.NotGroupMember.With("memberId")
	}
	if (p.Alias != nil || p.Extra != nil) && !a.Admin && a.UserID != memberID {
		return errcode.GroupPermission.With("only the member itself sets its alias")
	}
	if p.Role != nil {
		return Check(ActSetRole, st.Group.Type, roleOf(st, a), target)
	}
	return nil
}
