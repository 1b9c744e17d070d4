package httpapi

import (
	"context"

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
	s.api("POST /v1/friendshipRequest/getFriendRequest", acting(s, s.getFriendRequest))
	s.api("POST /v1/friendshipRequest/getFriendRequestById", acting(s, s.getFriendRequestByID))
	s.api("POST /v1/friendshipRequest/readFriendShipRequestReq", acting(s, s.readFriendRequests))
	s.api("POST /v1/friendshipRequest/approveFriendRequest", acting(s, s.approveFriendRequest))
	s.api("POST /v1/friendshipRequest/syncFriendShipRequestList", acting(s, s.syncFriendRequests))
}

// getFriendRequest lists the requests fromId received.
func (s *Server) getFriendRequest(ctx context.Context, c *Caller, u string, _ *fromReq) (any, error) {
	return s.svc.Friends.ReceivedRequests(ctx, c.App.ID, u)
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
func (s *Server) getFriendRequestByID(ctx context.Context, c *Caller, owner string, q *requestIDReq) (any, error) {
	if c.Admin && q.Operater == "" && q.Operator == "" {
		owner = ""
	}
	return s.svc.Friends.RequestByID(ctx, c.App.ID, owner, q.ID)
}

// readFriendRequests marks every request fromId received read.
func (s *Server) readFriendRequests(ctx context.Context, c *Caller, u string, q *fromReq) (any, error) {
	n, err := s.svc.Friends.ReadRequests(ctx, c.App.ID, u, q.device(c, u))
	return map[string]int{"read": n}, err
}

// approveFriendRequest: status 1 approves, 2 rejects; only the recipient
// (the acting user) decides.
func (s *Server) approveFriendRequest(ctx context.Context, c *Caller, approver string, q *requestIDReq) (any, error) {
	return s.svc.Friends.Approve(ctx, c.App.ID, approver, q.ID, q.Status, q.device(c, approver))
}

func (s *Server) syncFriendRequests(ctx context.Context, c *Caller, u string, q *syncReq) (any, error) {
	return s.svc.Friends.SyncRequests(ctx, c.App.ID, u, *q.LastSequence, q.MaxLimit)
}
