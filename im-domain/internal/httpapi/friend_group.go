package httpapi

import (
	"context"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/friend"
)

// FriendGroups is the friend group part of FriendService.
type FriendGroups interface {
	CreateGroup(ctx context.Context, appID uint32, from, name string, toIDs []string, dev *device.ID) (friend.Group, error)
	DeleteGroups(ctx context.Context, appID uint32, from string, names []string, dev *device.ID) ([]friend.Group, error)
	AddGroupMembers(ctx context.Context, appID uint32, from, name string, toIDs []string, dev *device.ID) (friend.Result, error)
	RemoveGroupMembers(ctx context.Context, appID uint32, from, name string, toIDs []string, dev *device.ID) (friend.Result, error)
	SyncGroups(ctx context.Context, appID uint32, owner string, last int64, limit int) (friend.Page[friend.Group], error)
}

func (s *Server) friendGroupRoutes() {
	s.api("POST /v1/friendship/group/add", acting(s, s.addFriendGroup))
	s.api("POST /v1/friendship/group/del", acting(s, s.deleteFriendGroups))
	s.api("POST /v1/friendship/group/member/add", acting(s, s.addFriendGroupMembers))
	s.api("POST /v1/friendship/group/member/del", acting(s, s.removeFriendGroupMembers))
	s.api("POST /v1/friendship/group/syncFriendShipGroupList", acting(s, s.syncFriendGroups))
}

type friendGroupReq struct {
	fromReq
	GroupName string   `json:"groupName"`
	ToIDs     []string `json:"toIds"`
}

func (q *friendGroupReq) validate() error {
	if q.GroupName == "" {
		return errcode.MissingField.With("groupName")
	}
	if len(q.ToIDs) > friend.MaxBatch {
		return errcode.BatchTooLarge.With("toIds: at most 100")
	}
	return q.fromReq.validate()
}

func (s *Server) addFriendGroup(ctx context.Context, c *Caller, u string, q *friendGroupReq) (any, error) {
	return s.svc.Friends.CreateGroup(ctx, c.App.ID, u, q.GroupName, q.ToIDs, q.device(c, u))
}

type deleteFriendGroupsReq struct {
	fromReq
	GroupName []string `json:"groupName"`
}

func (q *deleteFriendGroupsReq) validate() error {
	if err := checkBatch("groupName", len(q.GroupName), friend.MaxBatch); err != nil {
		return err
	}
	return q.fromReq.validate()
}

func (s *Server) deleteFriendGroups(ctx context.Context, c *Caller, u string, q *deleteFriendGroupsReq) (any, error) {
	return s.svc.Friends.DeleteGroups(ctx, c.App.ID, u, q.GroupName, q.device(c, u))
}

type friendGroupMembersReq struct{ friendGroupReq }

func (q *friendGroupMembersReq) validate() error {
	if err := checkIDs("toIds", q.ToIDs, friend.MaxBatch); err != nil {
		return err
	}
	return q.friendGroupReq.validate()
}

func (s *Server) addFriendGroupMembers(ctx context.Context, c *Caller, u string, q *friendGroupMembersReq) (any, error) {
	return s.svc.Friends.AddGroupMembers(ctx, c.App.ID, u, q.GroupName, q.ToIDs, q.device(c, u))
}

func (s *Server) removeFriendGroupMembers(ctx context.Context, c *Caller, u string, q *friendGroupMembersReq) (any, error) {
	return s.svc.Friends.RemoveGroupMembers(ctx, c.App.ID, u, q.GroupName, q.ToIDs, q.device(c, u))
}

func (s *Server) syncFriendGroups(ctx context.Context, c *Caller, u string, q *syncReq) (any, error) {
	return s.svc.Friends.SyncGroups(ctx, c.App.ID, u, *q.LastSequence, q.MaxLimit)
}
