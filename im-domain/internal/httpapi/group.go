package httpapi

import (
	"context"

	"github.com/whaleim/whaleim/im-common/device"
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
	s.api("POST /v1/group/createGroup", groupRoute(s, s.groupCreate))
	s.api("POST /v1/group/getGroupInfo", groupRoute(s, s.groupInfo))
	s.api("POST /v1/group/update", groupRoute(s, s.groupUpdate))
	s.api("POST /v1/group/destroyGroup", groupRoute(s, s.groupDestroy))
	s.api("POST /v1/group/transferGroup", groupRoute(s, s.groupTransfer))
	s.api("POST /v1/group/forbidSendMessage", groupRoute(s, s.groupMute))
	s.api("POST /v1/group/getJoinedGroup", groupRoute(s, s.groupJoined))
	s.api("POST /v1/group/syncJoinedGroup", groupRoute(s, s.groupSync))
	s.api("POST /v1/group/member/add", groupRoute(s, s.groupAddMembers))
	s.api("POST /v1/group/member/remove", groupRoute(s, s.groupRemoveMember))
	s.api("POST /v1/group/member/update", groupRoute(s, s.groupUpdateMember))
	s.api("POST /v1/group/member/speak", groupRoute(s, s.groupSpeak))
	s.api("POST /v1/group/member/getMembers", groupRoute(s, s.groupMembers))
	s.api("POST /v1/group/member/join", groupRoute(s, s.groupJoin))
	s.api("POST /v1/group/member/exit", groupRoute(s, s.groupExit))
	s.api("POST /v1/group/member/getJoinRequests", groupRoute(s, s.groupJoinRequests))
	s.api("POST /v1/group/member/handleJoinRequest", groupRoute(s, s.groupHandleJoin))
	s.api("POST /v1/group/importGroup", groupRoute(s, s.groupImport))
	s.api("POST /v1/group/member/importGroupMember", groupRoute(s, s.groupImportMembers))
}

// groupRequest is a group endpoint's body: it acts as the operator and
// names the calling device.
type groupRequest interface {
	actingRequest
	device(c *Caller, u string) *device.ID
}

// groupRoute is acting for the group endpoints, which take the acting user
// as a group.Actor: an app admin acting as itself gets every permission;
// naming a user in operater acts with that user's role.
func groupRoute[Q any, P interface {
	*Q
	groupRequest
}](s *Server, h func(ctx context.Context, c *Caller, a group.Actor, q P) (any, error)) handlerFunc {
	return acting(s, func(ctx context.Context, c *Caller, u string, q P) (any, error) {
		return h(ctx, c, group.Actor{UserID: u, Admin: c.Admin && u == c.Identifier, Device: q.device(c, u)}, q)
	})
}

type groupIDReq struct {
	base
	GroupID string `json:"groupId"`
}

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

func (q *groupCreateReq) validate() error {
	if q.Type == 0 || q.Name == "" {
		return errcode.MissingField.With("groupType and groupName are required")
	}
	return nil
}

func (s *Server) groupCreate(ctx context.Context, c *Caller, a group.Actor, q *groupCreateReq) (any, error) {
	return s.svc.Groups.Create(ctx, c.App.ID, a, group.CreateRequest{Group: q.Group, Members: q.Member})
}

func (s *Server) groupInfo(ctx context.Context, c *Caller, a group.Actor, q *groupIDReq) (any, error) {
	return s.svc.Groups.Info(ctx, c.App.ID, a, q.GroupID)
}

func (s *Server) groupMembers(ctx context.Context, c *Caller, a group.Actor, q *groupIDReq) (any, error) {
	m, err := s.svc.Groups.MemberList(ctx, c.App.ID, a, q.GroupID)
	return groupNonNil(m), err
}

type groupUpdateReq struct {
	groupIDReq
	group.Patch
}

func (s *Server) groupUpdate(ctx context.Context, c *Caller, a group.Actor, q *groupUpdateReq) (any, error) {
	return s.svc.Groups.Update(ctx, c.App.ID, a, q.GroupID, q.Patch)
}

func (s *Server) groupDestroy(ctx context.Context, c *Caller, a group.Actor, q *groupIDReq) (any, error) {
	return groupDone(s.svc.Groups.Destroy(ctx, c.App.ID, a, q.GroupID))
}

type groupTransferReq struct {
	groupIDReq
	OwnerID string `json:"ownerId"`
}

func (s *Server) groupTransfer(ctx context.Context, c *Caller, a group.Actor, q *groupTransferReq) (any, error) {
	return groupDone(s.svc.Groups.Transfer(ctx, c.App.ID, a, q.GroupID, q.OwnerID))
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

func (s *Server) groupMute(ctx context.Context, c *Caller, a group.Actor, q *groupMuteReq) (any, error) {
	return groupDone(s.svc.Groups.MuteAll(ctx, c.App.ID, a, q.GroupID, *q.Mute))
}
