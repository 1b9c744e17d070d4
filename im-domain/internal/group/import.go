package group

import (
	"context"
	"errors"
	"slices"

	"github.com/whaleim/whaleim/im-common/errcode"
)

// JoinedByImport is Member.JoinType of imported members.
const JoinedByImport = "import"

// ImportMember results (WhaleShark's importGroupMember: 0 ok, 1 fail, 2
// already a member).
const (
	ImportOK      = 0
	ImportFailed  = 1 // not a live user
	ImportAlready = 2
)

// Imported is the outcome of Import.
type Imported struct {
	GroupID string `json:"groupId"`
	Created bool   `json:"created"` // false: the id existed, nothing changed
}

// ImportResult is the outcome of ImportMembers for one member.
type ImportResult struct {
	MemberID string `json:"memberId"`
	Result   int    `json:"result"`
}

// Import creates a group for an app admin migrating data: the owner is
// required, initial members may be managers, and nothing is pushed (the
// members see it by joined-group sync). Importing an existing groupId
// again changes nothing and answers Created false, so a migration can be
// re-run (WhaleShark generated a new id on every call).
func (s *Service) Import(ctx context.Context, appID uint32, a Actor, req CreateRequest) (Imported, error) {
	if !a.Admin {
		return Imported{}, errcode.Forbidden.With("app admin only")
	}
	if req.OwnerID == "" {
		return Imported{}, errcode.MissingField.With("ownerId")
	}
	if req.ID != "" {
		if err := ValidID("groupId", req.ID); err != nil {
			return Imported{}, err
		}
		if _, err := s.store.GroupInfo(ctx, appID, req.ID); err == nil {
			return Imported{GroupID: req.ID}, nil
		} else if !errors.Is(err, errcode.GroupNotFound) {
			return Imported{}, err
		}
	}
	g, members, err := s.newGroup(ctx, appID, a, req)
	if err != nil {
		return Imported{}, err
	}
	ids := make([]string, len(members))
	for i := range members {
		members[i].JoinType, ids[i] = JoinedByImport, members[i].ID
	}
	if err := s.checkUsers(ctx, appID, ids); err != nil {
		return Imported{}, err
	}
	if _, err := s.store.CreateGroup(ctx, appID, g, members); errors.Is(err, errcode.GroupExists) {
		return Imported{GroupID: g.ID}, nil // a concurrent import won
	} else if err != nil {
		return Imported{}, err
	}
	s.cache.invalidate(ctx, appID, g.ID)
	return Imported{GroupID: g.ID, Created: true}, nil
}

// ImportMembers adds members for an app admin without the permission
// matrix and without pushes, each with its role (member or manager) and
// alias; unknown users fail one by one and current members are left as
// they are, so a re-run is harmless. The group's max size still holds.
func (s *Service) ImportMembers(ctx context.Context, appID uint32, a Actor, groupID string, in []MemberInput) ([]ImportResult, error) {
	if !a.Admin {
		return nil, errcode.Forbidden.With("app admin only")
	}
	ids, err := importBatch(in)
	if err != nil {
		return nil, err
	}
	live, err := s.users.Users(ctx, appID, ids)
	if err != nil {
		return nil, err
	}
	known := make(map[string]bool, len(live))
	for _, u := range live {
		known[u.ID] = true
	}
	var out []ImportResult
	_, _, err = s.edit(ctx, appID, groupID, func(st *State) (Edit, error) {
		out = out[:0]
		return s.importInto(st, in, known, &out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) importInto(st *State, in []MemberInput, known map[string]bool, out *[]ImportResult) (Edit, error) {
	var e Edit
	now := s.nowMs()
	for _, m := range in {
		res := ImportResult{MemberID: m.ID, Result: ImportOK}
		switch {
		case !known[m.ID]:
			res.Result = ImportFailed
		case memberRole(st.Members, m.ID) != RoleNone || slices.Contains(e.Members, m.ID):
			res.Result = ImportAlready
		case m.Role == RoleManager && st.Group.Type == Private:
			return Edit{}, errcode.MissingField.With("member.role: private groups have no managers")
		default:
			st.Members[m.ID] = &Member{ID: m.ID, Role: m.Role, Alias: m.Alias, JoinTime: now, JoinType: JoinedByImport}
			e.Members = append(e.Members, m.ID)
		}
		*out = append(*out, res)
	}
	if len(current(st.Members)) > st.Group.MaxMembers {
		return Edit{}, errcode.GroupFull
	}
	return e, nil
}

// importBatch validates the member list and returns its ids.
func importBatch(in []MemberInput) ([]string, error) {
	switch {
	case len(in) == 0:
		return nil, errcode.MissingField.With("members")
	case len(in) > MaxBatch:
		return nil, errcode.BatchTooLarge.With("members: at most 100 per request")
	}
	ids := make([]string, len(in))
	for i, m := range in {
		if err := ValidID("members.memberId", m.ID); err != nil {
			return nil, err
		}
		if m.Role != RoleMember && m.Role != RoleManager {
			return nil, errcode.MissingField.With("members.role: 0 member or 1 manager")
		}
		ids[i] = m.ID
	}
	return ids, nil
}
