package httpapi

import (
	"context"
	"net/http"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/group"
)

// GroupService is what the group routes need (group.Service).
type GroupService interface {
	Create(ctx context.Context, appID uint32, a group.Actor, req group.CreateRequest) (group.Info, error)
	Info(ctx context.Context, appID uint32, a group.Actor, groupID string) (group.Info, error)
	MemberList(ctx context.Context, appID uint32, a group.Actor, groupID string) ([]group.Member, error)
	Update(ctx context.Context, appID uint32, a group.Actor, groupID string, p group.Patch) (group.Group, error)
	Destroy(ctx context.Context, appID uint32, a group.Actor, groupID string) error
	Transfer(ctx context.Context, appID uint32, a group.Actor, groupID, ownerID string) error
	MuteAll(ctx context.Context, appID uint32, a group.Actor, groupID string, mute int) error
	Joined(ctx context.Context, appID uint32, userID string, types []group.Type, limit, offset int) (group.JoinedPage, error)
	Sync(ctx context.Context, appID uint32, userID string, last int64, maxLimit int) (group.SyncPage, error)
	AddMembers(ctx context.Context, appID uint32, a group.Actor, groupID string, ids []string) ([]group.AddResult, error)
	RemoveMember(ctx context.Context, appID uint32, a group.Actor, groupID, memberID string) error
	UpdateMember(ctx context.Context, appID uint32, a group.Actor, groupID, memberID string, p group.MemberPatch) (group.Member, error)
	MuteMember(ctx context.Context, appID uint32, a group.Actor, groupID, memberID string, ms int64) (group.Member, error)
	Join(ctx context.Context, appID uint32, a group.Actor, groupID, message string) (group.JoinResult, error)
	Quit(ctx context.Context, appID uint32, a group.Actor, groupID string) error
	JoinRequests(ctx context.Context, appID uint32, a group.Actor, groupID string) ([]group.JoinRequest, error)
	HandleJoin(ctx context.Context, appID uint32, a group.Actor, groupID, userID string, approve bool) error
	Import(ctx context.Context, appID uint32, a group.Actor, req group.CreateRequest) (group.Imported, error)
	ImportMembers(ctx context.Context, appID uint32, a group.Actor, groupID string, in []group.MemberInput) ([]group.ImportResult, error)
}

// groupRoutes: WhaleShark's ImGroupController (/v1/group) and
// ImGroupMemberController (/v1/group/member), plus members, join, exit and
// join requests, which WhaleShark lacked.
func (s *Server) groupRoutes() {
	s.api("POST /v1/group/createGroup", s.groupCreate)
	s.api("POST /v1/group/getGroupInfo", s.groupInfo)
	s.api("POST /v1/group/update", s.groupUpdate)
	s.api("POST /v1/group/destroyGroup", s.groupDestroy)
	s.api("POST /v1/group/transferGroup", s.groupTransfer)
	s.api("POST /v1/group/forbidSendMessage", s.groupMute)
	s.api("POST /v1/group/getJoinedGroup", s.groupJoined)
	s.api("POST /v1/group/syncJoinedGroup", s.groupSync)
	s.api("POST /v1/group/member/add", s.groupAddMembers)
	s.api("POST /v1/group/member/remove", s.groupRemoveMember)
	s.api("POST /v1/group/member/update", s.groupUpdateMember)
	s.api("POST /v1/group/member/speak", s.groupSpeak)
	s.api("POST /v1/group/member/getMembers", s.groupMembers)
	s.api("POST /v1/group/member/join", s.groupJoin)
	s.api("POST /v1/group/member/exit", s.groupExit)
	s.api("POST /v1/group/member/getJoinRequests", s.groupJoinRequests)
	s.api("POST /v1/group/member/handleJoinRequest", s.groupHandleJoin)
	s.api("POST /v1/group/importGroup", s.groupImport)
	s.api("POST /v1/group/member/importGroupMember", s.groupImportMembers)
}

// groupActor is the acting user: an app admin acting as itself gets every
// permission; naming a user in operater acts with that user's role.
func groupActor(b *base, c *Caller) (group.Actor, error) {
	id, err := b.actor(c)
	if err != nil {
		return group.Actor{}, err
	}
	return group.Actor{UserID: id, Admin: c.Admin && id == c.Identifier, Device: c.Device(id, b.ClientType, b.IMEI)}, nil
}

// groupCall decodes q, resolves the actor and runs fn.
func (s *Server) groupCall(w http.ResponseWriter, r *http.Request, c *Caller, q interface {
	request
	groupBase() *base
}, fn func(a group.Actor) (any, error)) (any, error) {
	if err := s.decode(w, r, q); err != nil {
		return nil, err
	}
	a, err := groupActor(q.groupBase(), c)
	if err != nil {
		return nil, err
	}
	return fn(a)
}

type groupIDReq struct {
	base
	GroupID string `json:"groupId"`
}

func (q *groupIDReq) groupBase() *base { return &q.base }
func (q *groupIDReq) validate() error  { return group.ValidID("groupId", q.GroupID) }
func groupDone(err error) (any, error) { return nil, err }
func groupNonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

type groupCreateReq struct {
	base
	group.Group
	Member []group.MemberInput `json:"member"`
}

func (q *groupCreateReq) groupBase() *base { return &q.base }
func (q *groupCreateReq) validate() error {
	if q.Type == 0 || q.Name == "" {
		return errcode.MissingField.With("groupType and groupName are required")
	}
	return nil
}

func (s *Server) groupCreate(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q groupCreateReq
	return s.groupCall(w, r, c, &q, func(a group.Actor) (any, error) {
		return s.svc.Groups.Create(r.Context(), c.App.ID, a, group.CreateRequest{Group: q.Group, Members: q.Member})
	})
}

func (s *Server) groupInfo(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q groupIDReq
	return s.groupCall(w, r, c, &q, func(a group.Actor) (any, error) {
		return s.svc.Groups.Info(r.Context(), c.App.ID, a, q.GroupID)
	})
}

func (s *Server) groupMembers(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q groupIDReq
	return s.groupCall(w, r, c, &q, func(a group.Actor) (any, error) {
		m, err := s.svc.Groups.MemberList(r.Context(), c.App.ID, a, q.GroupID)
		return groupNonNil(m), err
	})
}

type groupUpdateReq struct {
	groupIDReq
	group.Patch
}

func (s *Server) groupUpdate(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q groupUpdateReq
	return s.groupCall(w, r, c, &q, func(a group.Actor) (any, error) {
		return s.svc.Groups.Update(r.Context(), c.App.ID, a, q.GroupID, q.Patch)
	})
}

func (s *Server) groupDestroy(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q groupIDReq
	return s.groupCall(w, r, c, &q, func(a group.Actor) (any, error) {
		return groupDone(s.svc.Groups.Destroy(r.Context(), c.App.ID, a, q.GroupID))
	})
}

type groupTransferReq struct {
	groupIDReq
	OwnerID string `json:"ownerId"`
}

func (s *Server) groupTransfer(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q groupTransferReq
	return s.groupCall(w, r, c, &q, func(a group.Actor) (any, error) {
		return groupDone(s.svc.Groups.Transfer(r.Context(), c.App.ID, a, q.GroupID, q.OwnerID))
	})
}

type groupMuteReq struct {
	groupIDReq
	Mute *int `json:"mute"`
}

func (q *groupMuteReq) validate() error {
	if q.Mute == nil {
		return errcode.MissingField.With("mute")
	}
	return q.groupIDReq.validate()
}

func (s *Server) groupMute(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q groupMuteReq
	return s.groupCall(w, r, c, &q, func(a group.Actor) (any, error) {
		return groupDone(s.svc.Groups.MuteAll(r.Context(), c.App.ID, a, q.GroupID, *q.Mute))
	})
}
