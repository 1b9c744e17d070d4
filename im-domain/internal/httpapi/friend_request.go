package httpapi

import (
	"context"
	"net/http"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/friend"
)

// FriendRequests is the friend request part of FriendService.
type FriendRequests interface {
	ReceivedRequests(ctx context.Context, appID uint32, toID string) ([]friend.Request, error)
	RequestByID(ctx context.Context, appID uint32, owner string, id int64) (friend.Request, error)
	ReadRequests(ctx context.Context, appID uint32, toID string, dev *device.ID) (int, error)
	Approve(ctx context.Context, appID uint32, approver string, id int64, status int, dev *device.ID) (friend.Request, error)
	SyncRequests(ctx context.Context, appID uint32, owner string, last int64, limit int) (friend.Page[friend.Request], error)
}

func (s *Server) friendRequestRoutes() {
	s.api("POST /v1/friendshipRequest/getFriendRequest", s.getFriendRequest)
	s.api("POST /v1/friendshipRequest/getFriendRequestById", s.getFriendRequestByID)
	s.api("POST /v1/friendshipRequest/readFriendShipRequestReq", s.readFriendRequests)
	s.api("POST /v1/friendshipRequest/approveFriendRequest", s.approveFriendRequest)
	s.api("POST /v1/friendshipRequest/syncFriendShipRequestList", s.syncFriendRequests)
}

// getFriendRequest lists the requests fromId received.
func (s *Server) getFriendRequest(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q fromReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	if _, err := q.owner(c); err != nil {
		return nil, err
	}
	return s.svc.Friends.ReceivedRequests(r.Context(), c.App.ID, q.FromID)
}

type requestIDReq struct {
	base
	ID     int64 `json:"id"`
	Status int   `json:"status"`
}

func (q *requestIDReq) validate() error {
	if q.ID <= 0 {
		return errcode.MissingField.With("id")
	}
	return nil
}

// getFriendRequestByID returns a request the acting user sent or
// received; an admin not acting as a user sees any.
func (s *Server) getFriendRequestByID(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q requestIDReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	owner, err := q.actor(c)
	if err != nil {
		return nil, err
	}
	if c.Admin && q.Operater == "" && q.Operator == "" {
		owner = ""
	}
	return s.svc.Friends.RequestByID(r.Context(), c.App.ID, owner, q.ID)
}

// readFriendRequests marks every request fromId received read.
func (s *Server) readFriendRequests(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q fromReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	dev, err := q.owner(c)
	if err != nil {
		return nil, err
	}
	n, err := s.svc.Friends.ReadRequests(r.Context(), c.App.ID, q.FromID, dev)
	return map[string]int{"read": n}, err
}

// approveFriendRequest: status 1 approves, 2 rejects; only the recipient
// (the acting user) decides.
func (s *Server) approveFriendRequest(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q requestIDReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	approver, err := q.actor(c)
	if err != nil {
		return nil, err
	}
	dev := c.Device(approver, q.ClientType, q.IMEI)
	return s.svc.Friends.Approve(r.Context(), c.App.ID, approver, q.ID, q.Status, dev)
}

func (s *Server) syncFriendRequests(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	return syncRoute(s, w, r, c, s.svc.Friends.SyncRequests)
}
