package httpapi

import (
	"context"
	"net/http"

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
	s.api("POST /v1/friendship/importFriendShip", s.importFriendShip)
	s.api("POST /v1/friendship/addFriend", s.addFriend)
	s.api("POST /v1/friendship/updateFriend", s.updateFriend)
	s.api("POST /v1/friendship/deleteFriend", s.deleteFriend)
	s.api("POST /v1/friendship/deleteAllFriend", s.deleteAllFriend)
	s.api("POST /v1/friendship/getAllFriendShip", s.getAllFriendShip)
	s.api("POST /v1/friendship/getRelation", s.getRelation)
	s.api("POST /v1/friendship/checkFriend", s.checkFriend)
	s.api("POST /v1/friendship/addBlack", s.addBlack)
	s.api("POST /v1/friendship/deleteBlack", s.deleteBlack)
	s.api("POST /v1/friendship/checkBlck", s.checkBlack)
	s.api("POST /v1/friendship/checkBlack", s.checkBlack)
	s.api("POST /v1/friendship/syncFriendShipList", s.syncFriendships)
	s.api("POST /v1/friendship/syncFriendshipList", s.syncFriendships)
	s.friendRequestRoutes()
	s.friendGroupRoutes()
}

// fromReq is a body acting as fromId (its own user, or any for an admin).
type fromReq struct {
	base
	FromID string `json:"fromId"`
}

func (q *fromReq) validate() error { return friend.ValidID(q.FromID) }

// owner checks that the caller may act as fromId and returns the device
// to leave out of notifications.
func (q *fromReq) owner(c *Caller) (*device.ID, error) {
	if err := ownedBy(&q.base, c, q.FromID); err != nil {
		return nil, err
	}
	return c.Device(q.FromID, q.ClientType, q.IMEI), nil
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

// importFriendShip is admin-only (app back-ends migrating relations).
func (s *Server) importFriendShip(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q importFriendReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	if _, err := q.actor(c); err != nil {
		return nil, err
	}
	if err := c.RequireAdmin(); err != nil {
		return nil, err
	}
	return s.svc.Friends.Import(r.Context(), c.App.ID, q.FromID, q.FriendItem)
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

func (s *Server) addFriend(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q toItemReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	dev, err := q.owner(c)
	if err != nil {
		return nil, err
	}
	return s.svc.Friends.Add(r.Context(), c.App.ID, q.FromID, *q.ToItem, dev)
}

func (s *Server) updateFriend(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q toItemReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	dev, err := q.owner(c)
	if err != nil {
		return nil, err
	}
	return s.svc.Friends.Update(r.Context(), c.App.ID, q.FromID, *q.ToItem, dev)
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

// pairRoute is the shape of deleteFriend, addBlack and deleteBlack.
func (s *Server) pairRoute(w http.ResponseWriter, r *http.Request, c *Caller,
	op func(ctx context.Context, appID uint32, from, to string, dev *device.ID) (friend.Friendship, error)) (any, error) {
	var q fromToReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	dev, err := q.owner(c)
	if err != nil {
		return nil, err
	}
	return op(r.Context(), c.App.ID, q.FromID, q.ToID, dev)
}

func (s *Server) deleteFriend(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	return s.pairRoute(w, r, c, s.svc.Friends.Delete)
}

func (s *Server) addBlack(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	return s.pairRoute(w, r, c, s.svc.Friends.Block)
}

func (s *Server) deleteBlack(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	return s.pairRoute(w, r, c, s.svc.Friends.Unblock)
}

func (s *Server) deleteAllFriend(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q fromReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	dev, err := q.owner(c)
	if err != nil {
		return nil, err
	}
	return s.svc.Friends.DeleteAll(r.Context(), c.App.ID, q.FromID, dev)
}

func (s *Server) getAllFriendShip(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q fromReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	if _, err := q.owner(c); err != nil {
		return nil, err
	}
	return s.svc.Friends.All(r.Context(), c.App.ID, q.FromID)
}

func (s *Server) getRelation(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q fromToReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	if _, err := q.owner(c); err != nil {
		return nil, err
	}
	return s.svc.Friends.Get(r.Context(), c.App.ID, q.FromID, q.ToID)
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

func (s *Server) check(w http.ResponseWriter, r *http.Request, c *Caller, black bool) (any, error) {
	var q checkReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	if _, err := q.owner(c); err != nil {
		return nil, err
	}
	return s.svc.Friends.Check(r.Context(), c.App.ID, q.FromID, q.ToIDs, q.CheckType, black)
}

func (s *Server) checkFriend(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	return s.check(w, r, c, false)
}

func (s *Server) checkBlack(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	return s.check(w, r, c, true)
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

// syncRoute decodes a syncReq and runs op for the acting user.
func syncRoute[T any](s *Server, w http.ResponseWriter, r *http.Request, c *Caller,
	op func(ctx context.Context, appID uint32, owner string, last int64, limit int) (friend.Page[T], error)) (any, error) {
	var q syncReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	owner, err := q.actor(c)
	if err != nil {
		return nil, err
	}
	return op(r.Context(), c.App.ID, owner, *q.LastSequence, q.MaxLimit)
}

func (s *Server) syncFriendships(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	return syncRoute(s, w, r, c, s.svc.Friends.Sync)
}
