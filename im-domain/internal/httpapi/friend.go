package httpapi

import (
	"context"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/friend"
)

// FriendService is what the friendship routes need (friend.Service).
type FriendService interface {
	Import(ctx context.Context, appID uint32, from string, items []friend.Item) (friend.Result, error)
	Add(ctx context.Context, appID uint32, from string, it friend.Item, dev *device.ID) (friend.Added, error)
	Update(ctx context.Context, appID uint32, from string, it friend.Item, dev *device.ID) (friend.Friendship, error)
	Delete(ctx context.Context, appID uint32, from, to string, dev *device.ID) (friend.Friendship, error)
	DeleteAll(ctx context.Context, appID uint32, from string, dev *device.ID) (friend.Result, error)
	All(ctx context.Context, appID uint32, from string) ([]friend.Friendship, error)
	Get(ctx context.Context, appID uint32, from, to string) (friend.Friendship, error)
	Check(ctx context.Context, appID uint32, from string, toIDs []string, kind int, black bool) ([]friend.CheckResult, error)
	Block(ctx context.Context, appID uint32, from, to string, dev *device.ID) (friend.Friendship, error)
	Unblock(ctx context.Context, appID uint32, from, to string, dev *device.ID) (friend.Friendship, error)
	Sync(ctx context.Context, appID uint32, owner string, last int64, limit int) (friend.Page[friend.Friendship], error)
	FriendRequests
	FriendGroups
}

// friendRoutes: WhaleShark's ImFriendShipController (/v1/friendship),
// ImFriendShipRequestController (/v1/friendshipRequest) and
// ImFriendShipGroupController (/v1/friendship/group), plus the sync
// endpoints WhaleShark lacked for requests and groups.
func (s *Server) friendRoutes() {
	s.api("POST /v1/friendship/importFriendShip", adminOnly(s, s.importFriendShip))
	s.api("POST /v1/friendship/addFriend", acting(s, s.addFriend))
	s.api("POST /v1/friendship/updateFriend", acting(s, s.updateFriend))
	s.api("POST /v1/friendship/deleteFriend", acting(s, s.deleteFriend))
	s.api("POST /v1/friendship/deleteAllFriend", acting(s, s.deleteAllFriend))
	s.api("POST /v1/friendship/getAllFriendShip", acting(s, s.getAllFriendShip))
	s.api("POST /v1/friendship/getRelation", acting(s, s.getRelation))
	s.api("POST /v1/friendship/checkFriend", acting(s, s.checkFriend))
	s.api("POST /v1/friendship/addBlack", acting(s, s.addBlack))
	s.api("POST /v1/friendship/deleteBlack", acting(s, s.deleteBlack))
	s.api("POST /v1/friendship/checkBlck", acting(s, s.checkBlack))
	s.api("POST /v1/friendship/checkBlack", acting(s, s.checkBlack))
	s.api("POST /v1/friendship/syncFriendShipList", acting(s, s.syncFriendships))
	s.api("POST /v1/friendship/syncFriendshipList", acting(s, s.syncFriendships))
	s.friendRequestRoutes()
	s.friendGroupRoutes()
}

// fromReq is a body acting as fromId (its own user, or any for an admin).
type fromReq struct {
	base
	FromID string `json:"fromId"`
}

func (q *fromReq) validate() error { return friend.ValidID(q.FromID) }

// acting returns fromId once the caller may act as it.
func (q *fromReq) acting(c *Caller) (string, error) {
	return q.FromID, ownedBy(&q.base, c, q.FromID)
}

type importFriendReq struct {
	fromReq
	FriendItem []friend.Item `json:"friendItem"`
}

func (q *importFriendReq) validate() error {
	if len(q.FriendItem) == 0 {
		return errcode.MissingField.With("friendItem")
	}
	if len(q.FriendItem) > friend.MaxBatch {
		return errcode.BatchTooLarge.With("friendItem: at most 100")
	}
	return q.fromReq.validate()
}

// acting checks only the operator: an admin imports for any fromId, and a
// non-admin is refused as such (Forbidden) rather than for naming another
// fromId.
func (q *importFriendReq) acting(c *Caller) (string, error) { return q.actor(c) }

// importFriendShip is admin-only (app back-ends migrating relations).
func (s *Server) importFriendShip(ctx context.Context, c *Caller, _ string, q *importFriendReq) (any, error) {
	return s.svc.Friends.Import(ctx, c.App.ID, q.FromID, q.FriendItem)
}

type toItemReq struct {
	fromReq
	ToItem *friend.Item `json:"toItem"`
}

func (q *toItemReq) validate() error {
	if q.ToItem == nil {
		return errcode.MissingField.With("toItem")
	}
	if err := q.ToItem.Validate(); err != nil {
		return err
	}
	return q.fromReq.validate()
}

func (s *Server) addFriend(ctx context.Context, c *Caller, u string, q *toItemReq) (any, error) {
	return s.svc.Friends.Add(ctx, c.App.ID, u, *q.ToItem, q.device(c, u))
}

func (s *Server) updateFriend(ctx context.Context, c *Caller, u string, q *toItemReq) (any, error) {
	return s.svc.Friends.Update(ctx, c.App.ID, u, *q.ToItem, q.device(c, u))
}

type fromToReq struct {
	fromReq
	ToID string `json:"toId"`
}

func (q *fromToReq) validate() error {
	if err := q.fromReq.validate(); err != nil {
		return err
	}
	return friend.ValidID(q.ToID)
}

func (s *Server) deleteFriend(ctx context.Context, c *Caller, u string, q *fromToReq) (any, error) {
	return s.svc.Friends.Delete(ctx, c.App.ID, u, q.ToID, q.device(c, u))
}

func (s *Server) addBlack(ctx context.Context, c *Caller, u string, q *fromToReq) (any, error) {
	return s.svc.Friends.Block(ctx, c.App.ID, u, q.ToID, q.device(c, u))
}

func (s *Server) deleteBlack(ctx context.Context, c *Caller, u string, q *fromToReq) (any, error) {
	return s.svc.Friends.Unblock(ctx, c.App.ID, u, q.ToID, q.device(c, u))
}

func (s *Server) deleteAllFriend(ctx context.Context, c *Caller, u string, q *fromReq) (any, error) {
	return s.svc.Friends.DeleteAll(ctx, c.App.ID, u, q.device(c, u))
}

func (s *Server) getAllFriendShip(ctx context.Context, c *Caller, u string, _ *fromReq) (any, error) {
	return s.svc.Friends.All(ctx, c.App.ID, u)
}

func (s *Server) getRelation(ctx context.Context, c *Caller, u string, q *fromToReq) (any, error) {
	return s.svc.Friends.Get(ctx, c.App.ID, u, q.ToID)
}

type checkReq struct {
	fromReq
	ToIDs     []string `json:"toIds"`
	CheckType int      `json:"checkType"`
}

func (q *checkReq) validate() error {
	if err := checkIDs("toIds", q.ToIDs, friend.MaxBatch); err != nil {
		return err
	}
	if q.CheckType != friend.CheckSingle && q.CheckType != friend.CheckBoth {
		return errcode.MissingField.With("checkType: 1 single or 2 both")
	}
	return q.fromReq.validate()
}

func (s *Server) checkFriend(ctx context.Context, c *Caller, u string, q *checkReq) (any, error) {
	return s.svc.Friends.Check(ctx, c.App.ID, u, q.ToIDs, q.CheckType, false)
}

func (s *Server) checkBlack(ctx context.Context, c *Caller, u string, q *checkReq) (any, error) {
	return s.svc.Friends.Check(ctx, c.App.ID, u, q.ToIDs, q.CheckType, true)
}

// syncReq is WhaleShark's SyncReq; the list owner is the acting user
// (operater for an admin, else the caller).
type syncReq struct {
	base
	LastSequence *int64 `json:"lastSequence"`
	MaxLimit     int    `json:"maxLimit"`
}

func (q *syncReq) validate() error {
	if q.LastSequence == nil {
		return errcode.MissingField.With("lastSequence")
	}
	if *q.LastSequence < 0 || q.MaxLimit < 0 {
		return errcode.MissingField.With("lastSequence and maxLimit must not be negative")
	}
	return nil
}

func (s *Server) syncFriendships(ctx context.Context, c *Caller, u string, q *syncReq) (any, error) {
	return s.svc.Friends.Sync(ctx, c.App.ID, u, *q.LastSequence, q.MaxLimit)
}
