package httpapi

import (
	"context"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/presence"
)

// PresenceService is online status: subscriptions, custom status, queries
// (presence.Service).
type PresenceService interface {
	Subscribe(ctx context.Context, appID uint32, subscriber string, admin bool, targets []string, ttl time.Duration) ([]string, error)
	SetCustom(ctx context.Context, appID uint32, user string, c presence.Custom, from *device.ID) (presence.Status, error)
	Query(ctx context.Context, appID uint32, caller string, admin bool, ids []string) ([]presence.Status, []string, error)
	FriendsStatus(ctx context.Context, appID uint32, user string) ([]presence.Status, error)
}

// presenceRoutes: upstream WhaleShark's ImUserStatusService endpoints,
// under /v1/user like its other user routes.
func (s *Server) presenceRoutes() {
	s.api("POST /v1/user/subscribeUserOnlineStatus", acting(s, s.subscribeStatus))
	s.api("POST /v1/user/setUserCustomerStatus", acting(s, s.setCustomStatus))
	s.api("POST /v1/user/queryFriendOnlineStatus", acting(s, s.friendsStatus))
	s.api("POST /v1/user/queryUsersStatus", acting(s, s.usersStatus))
}

// watching reports whether the caller acts as the app admin itself (no
// operater naming a user): only then may it watch anyone.
func watching(c *Caller, u string) bool { return c.Admin && u == c.Identifier }

type subscribeReq struct {
	base
	SubUserID []string `json:"subUserId"`
	SubTime   int64    `json:"subTime"` // ms
}

func (q *subscribeReq) validate() error {
	if q.SubTime <= 0 || q.SubTime > presence.MaxSubscription.Milliseconds() {
		return errcode.MissingField.With("subTime: 1 .. 2592000000 ms")
	}
	return checkIDs("subUserId", q.SubUserID, presence.MaxBatch)
}

func (s *Server) subscribeStatus(ctx context.Context, c *Caller, u string, q *subscribeReq) (any, error) {
	denied, err := s.svc.Presence.Subscribe(ctx, c.App.ID, u, watching(c, u), q.SubUserID, time.Duration(q.SubTime)*time.Millisecond)
	if err != nil {
		return nil, err
	}
	return map[string]any{"failUser": denied}, nil
}

type customStatusReq struct {
	ownUserReq
	CustomText   string `json:"customText"`
	CustomStatus int    `json:"customStatus"`
}

func (q *customStatusReq) validate() error {
	if len(q.CustomText) > presence.MaxCustomText {
		return errcode.MissingField.With("customText: at most 256 bytes")
	}
	return q.ownUserReq.validate()
}

func (s *Server) setCustomStatus(ctx context.Context, c *Caller, u string, q *customStatusReq) (any, error) {
	return s.svc.Presence.SetCustom(ctx, c.App.ID, u, presence.Custom{Text: q.CustomText, Status: q.CustomStatus}, q.device(c, u))
}

type friendsStatusReq struct{ base }

func (q *friendsStatusReq) validate() error { return nil }

func (s *Server) friendsStatus(ctx context.Context, c *Caller, u string, _ *friendsStatusReq) (any, error) {
	st, err := s.svc.Presence.FriendsStatus(ctx, c.App.ID, u)
	if err != nil {
		return nil, err
	}
	return map[string]any{"status": st}, nil
}

type usersStatusReq struct {
	base
	UserIDs []string `json:"userIds"`
}

func (q *usersStatusReq) validate() error { return checkIDs("userIds", q.UserIDs, presence.MaxBatch) }

func (s *Server) usersStatus(ctx context.Context, c *Caller, u string, q *usersStatusReq) (any, error) {
	st, denied, err := s.svc.Presence.Query(ctx, c.App.ID, u, watching(c, u), q.UserIDs)
	if err != nil {
		return nil, err
	}
	return map[string]any{"status": st, "failUser": denied}, nil
}
