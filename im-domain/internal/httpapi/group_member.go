package httpapi

import (
	"context"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/group"
)

type groupJoinedReq struct {
	base
	MemberID  string       `json:"memberId"`
	GroupType []group.Type `json:"groupType"`
	Limit     int          `json:"limit"`
	Offset    int          `json:"offset"`
}

func (q *groupJoinedReq) validate() error { return nil }

// groupJoined lists memberId's groups (default: the acting user); a user
// sees only its own list, an admin anyone's.
func (s *Server) groupJoined(ctx context.Context, c *Caller, a group.Actor, q *groupJoinedReq) (any, error) {
	if q.MemberID == "" {
		q.MemberID = a.UserID
	}
	if err := ownedBy(&q.base, c, q.MemberID); err != nil {
		return nil, err
	}
	return s.svc.Groups.Joined(ctx, c.App.ID, q.MemberID, q.GroupType, q.Limit, q.Offset)
}

type groupSyncReq struct {
	base
	LastSequence int64 `json:"lastSequence"`
	MaxLimit     int   `json:"maxLimit"`
}

func (q *groupSyncReq) validate() error { return nil }

// groupSync syncs the acting user's joined groups.
func (s *Server) groupSync(ctx context.Context, c *Caller, a group.Actor, q *groupSyncReq) (any, error) {
	return s.svc.Groups.Sync(ctx, c.App.ID, a.UserID, q.LastSequence, q.MaxLimit)
}

type groupAddReq struct {
	groupIDReq
	Members []string `json:"members"`
}

func (q *groupAddReq) validate() error {
	if err := checkIDs("members", q.Members, group.MaxBatch); err != nil {
		return err
	}
	return q.groupIDReq.validate()
}

func (s *Server) groupAddMembers(ctx context.Context, c *Caller, a group.Actor, q *groupAddReq) (any, error) {
	return s.svc.Groups.AddMembers(ctx, c.App.ID, a, q.GroupID, q.Members)
}

type groupMemberReq struct {
	groupIDReq
	MemberID string `json:"memberId"`
}

func (q *groupMemberReq) validate() error {
	if err := group.ValidID("memberId", q.MemberID); err != nil {
		return err
	}
	return q.groupIDReq.validate()
}

func (s *Server) groupRemoveMember(ctx context.Context, c *Caller, a group.Actor, q *groupMemberReq) (any, error) {
	return groupDone(s.svc.Groups.RemoveMember(ctx, c.App.ID, a, q.GroupID, q.MemberID))
}

type groupUpdateMemberReq struct {
	groupMemberReq
	group.MemberPatch
}

func (s *Server) groupUpdateMember(ctx context.Context, c *Caller, a group.Actor, q *groupUpdateMemberReq) (any, error) {
	return s.svc.Groups.UpdateMember(ctx, c.App.ID, a, q.GroupID, q.MemberID, q.MemberPatch)
}

type groupSpeakReq struct {
	groupMemberReq
	SpeakDate *int64 `json:"speakDate"` // mute for this many ms; <= 0 unmutes
}

func (q *groupSpeakReq) validate() error {
	if q.SpeakDate == nil {
		return errcode.MissingField.With("speakDate")
	}
	return q.groupMemberReq.validate()
}

func (s *Server) groupSpeak(ctx context.Context, c *Caller, a group.Actor, q *groupSpeakReq) (any, error) {
	return s.svc.Groups.MuteMember(ctx, c.App.ID, a, q.GroupID, q.MemberID, *q.SpeakDate)
}

type groupJoinReq struct {
	groupIDReq
	Message string `json:"message"`
}

func (s *Server) groupJoin(ctx context.Context, c *Caller, a group.Actor, q *groupJoinReq) (any, error) {
	return s.svc.Groups.Join(ctx, c.App.ID, a, q.GroupID, q.Message)
}

func (s *Server) groupExit(ctx context.Context, c *Caller, a group.Actor, q *groupIDReq) (any, error) {
	return groupDone(s.svc.Groups.Quit(ctx, c.App.ID, a, q.GroupID))
}

func (s *Server) groupJoinRequests(ctx context.Context, c *Caller, a group.Actor, q *groupIDReq) (any, error) {
	reqs, err := s.svc.Groups.JoinRequests(ctx, c.App.ID, a, q.GroupID)
	return groupNonNil(reqs), err
}

type groupHandleJoinReq struct {
	groupIDReq
	UserID  string `json:"userId"`
	Approve *bool  `json:"approve"`
}

func (q *groupHandleJoinReq) validate() error {
	if q.Approve == nil {
		return errcode.MissingField.With("approve")
	}
	if err := group.ValidID("userId", q.UserID); err != nil {
		return err
	}
	return q.groupIDReq.validate()
}

func (s *Server) groupHandleJoin(ctx context.Context, c *Caller, a group.Actor, q *groupHandleJoinReq) (any, error) {
	return groupDone(s.svc.Groups.HandleJoin(ctx, c.App.ID, a, q.GroupID, q.UserID, *q.Approve))
}
