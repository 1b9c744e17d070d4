package group

import (
	"context"
	"unicode/utf8"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/errcode"
)

// Join outcomes.
const (
	JoinPending = 0 // a request awaits the owner's or a manager's approval
	JoinJoined  = 1
)

// JoinResult is the outcome of Join.
type JoinResult struct {
	Status int `json:"status"` // JoinPending or JoinJoined
}

// Join asks the caller into a public group by its join type: free joins at
// once (2001 ADDED_MEMBER to every member), approval records a pending
// request (2000 JOIN_GROUP to the owner and managers; asking again updates
// the message), forbidden refuses. Private groups are invite only.
func (s *Service) Join(ctx context.Context, appID uint32, a Actor, groupID, message string) (JoinResult, error) {
	if utf8.RuneCountInString(message) > 512 {
		return JoinResult{}, errcode.MissingField.With("message too long")
	}
	if err := s.checkUsers(ctx, appID, []string{a.UserID}); err != nil {
		return JoinResult{}, err
	}
	var res JoinResult
	st, seq, err := s.edit(ctx, appID, groupID, func(st *State) (Edit, error) {
		if err := Check(ActJoin, st.Group.Type, roleOf(st, a), RoleNone); err != nil {
			return Edit{}, err
		}
		switch st.Group.JoinType {
		case JoinFree:
			res.Status = JoinJoined
			return s.admit(st, a.UserID, []string{a.UserID}, JoinedByApply)
		case JoinApproval:
			res.Status = JoinPending
			return s.request(st, a.UserID, message), nil
		}
		return Edit{}, errcode.GroupJoinForbidden
	})
	switch {
	case err != nil:
		return JoinResult{}, err
	case res.Status == JoinJoined:
		s.notifyAdded(ctx, appID, a, st, []string{a.UserID}, seq, JoinedByApply)
	default:
		data := map[string]any{"groupId": groupID, "userId": a.UserID, "message": message, "status": RequestPending}
		s.notify(ctx, appID, a, command.GroupJoinRequest, admins(st.Members), data)
	}
	return res, nil
}

func (s *Service) request(st *State, userID, message string) Edit {
	now := s.nowMs()
	r := st.Requests[userID]
	if r == nil {
		r = &JoinRequest{GroupID: st.Group.ID, UserID: userID, CreateTime: now}
		st.Requests[userID] = r
	}
	r.Message, r.Status, r.HandledBy, r.UpdateTime = message, RequestPending, "", now
	return Edit{Requests: []string{userID}}
}

// admins lists the owner and managers.
func admins(members map[string]*Member) []string {
	var out []string
	for _, id := range current(members) {
		if r := members[id].Role; r == RoleOwner || r == RoleManager {
			out = append(out, id)
		}
	}
	return out
}

// JoinRequests lists the pending requests (Check ActHandleJoin).
func (s *Service) JoinRequests(ctx context.Context, appID uint32, a Actor, groupID string) ([]JoinRequest, error) {
	st, err := s.load(ctx, appID, groupID)
	if err != nil {
		return nil, err
	}
	if err := Check(ActHandleJoin, st.Group.Type, roleOf(&st, a), RoleNone); err != nil {
		return nil, err
	}
	return s.store.GroupJoinRequests(ctx, appID, groupID)
}

// HandleJoin approves (the user becomes a member: 2001 to every member) or
// rejects (2000 JOIN_GROUP with status 2 to the applicant) a pending
// request. errcode.NotFound when there is no pending request from userID.
func (s *Service) HandleJoin(ctx context.Context, appID uint32, a Actor, groupID, userID string, approve bool) error {
	if err := ValidID("userId", userID); err != nil {
		return err
	}
	admitted := false
	st, seq, err := s.edit(ctx, appID, groupID, func(st *State) (Edit, error) {
		if err := Check(ActHandleJoin, st.Group.Type, roleOf(st, a), RoleNone); err != nil {
			return Edit{}, err
		}
		r := st.Requests[userID]
		if r == nil || r.Status != RequestPending {
			return Edit{}, errcode.NotFound.With("no pending join request from " + userID)
		}
		if approve && memberRole(st.Members, userID) == RoleNone {
			admitted = true
			return s.admit(st, a.UserID, []string{userID}, JoinedByApply)
		}
		r.Status, r.HandledBy, r.UpdateTime = RequestRejected, a.UserID, s.nowMs()
		if approve {
			r.Status = RequestApproved // already a member meanwhile
		}
		return Edit{Requests: []string{userID}}, nil
	})
	switch {
	case err != nil:
		return err
	case admitted:
		s.notifyAdded(ctx, appID, a, st, []string{userID}, seq, JoinedByApply)
	case !approve:
		data := map[string]any{"groupId": groupID, "userId": userID, "status": RequestRejected}
		s.notify(ctx, appID, a, command.GroupJoinRequest, []string{userID}, data)
	}
	return nil
}
