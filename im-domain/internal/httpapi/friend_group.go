package httpapi

import (
	"context"
	"net/http"

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
	s.api("POST /v1/friendship/group/add", s.addFriendGroup)
	s.api("POST /v1/friendship/group/del", s.deleteFriendGroups)
	s.api("POST /v1/friendship/group/member/add", s.addFriendGroupMembers)
	s.api("POST /v1/friendship/group/member/del", s.removeFriendGroupMembers)
	s.api("POST /v1/friendship/group/syncFriendShipGroupList", s.syncFriendGroups)
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

func (s *Server) addFriendGroup(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q friendGroupReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	dev, err := q.owner(c)
	if err != nil {
		return nil, err
	}
	return s.svc.Friends.CreateGroup(r.Context(), c.App.ID, q.FromID, q.GroupName, q.ToIDs, dev)
}

type deleteFriendGroupsReq struct {
	fromReq
	GroupName []string `json:"groupName"`
}

func (q *deleteFriendGroupsReq) validate() error {
	if err := checkIDs("groupName", q.GroupName, friend.MaxBatch); err != nil {
		return err
	}
	return q.fromReq.validate()
}

func (s *Server) deleteFriendGroups(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q deleteFriendGroupsReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	dev, err := q.owner(c)
	if err != nil {
		return nil, err
	}
	return s.svc.Friends.DeleteGroups(r.Context(), c.App.ID, q.FromID, q.GroupName, dev)
}

type friendGroupMembersReq struct{ friendGroupReq }

func (q *friendGroupMembersReq) validate() error {
	if err := checkIDs("toIds", q.ToIDs, friend.MaxBatch); err != nil {
		return err
	}
	return q.friendGroupReq.validate()
}

func (s *Server) memberRoute(w http.ResponseWriter, r *http.Request, c *Caller,
	op func(ctx context.Context, appID uint32, from, name string, toIDs []string, dev *device.ID) (friend.Result, error)) (any, error) {
	var q friendGroupMembersReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	dev, err := q.owner(c)
	if err != nil {
		return nil, err
	}
	return op(r.Context(), c.App.ID, q.FromID, q.GroupName, q.ToIDs, dev)
}

func (s *Server) addFriendGroupMembers(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	return s.memberRoute(w, r, c, s.svc.Friends.AddGroupMembers)
}

func (s *Server) removeFriendGroupMembers(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	return s.memberRoute(w, r, c, s.svc.Friends.RemoveGroupMembers)
}

func (s *Server) syncFriendGroups(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	return syncRoute(s, w, r, c, s.svc.Friends.SyncGroups)
}
