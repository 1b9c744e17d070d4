package httpapi

import (
	"context"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/app"
	"github.com/whaleim/whaleim/im-domain/internal/routing"
)

// LoginService picks a gateway (routing.Picker).
type LoginService interface {
	Pick(ctx context.Context, s app.RouteStrategy, userID string, ct device.Type) (routing.Address, error)
}

// loginRoutes: login routing. It authenticates like every endpoint (the
// user's own sign, or an admin acting for the user): the gateway checks the
// sign again at 9000 LOGIN, this only hands out an address.
func (s *Server) loginRoutes() {
	s.api("POST /v1/user/login", acting(s, s.login))
}

// loginReq is about userId, which the caller must own.
type loginReq struct {
	ownUserReq
}

func (q *loginReq) validate() error {
	if q.ClientType == nil || !q.ClientType.Valid() {
		return errcode.MissingField.With("clientType: 0..5")
	}
	return q.ownUserReq.validate()
}

type loginResp struct {
	AppID  uint32 `json:"appId"`
	UserID string `json:"userId"`
	routing.Address
}

func (s *Server) login(ctx context.Context, c *Caller, u string, q *loginReq) (any, error) {
	if err := s.svc.Users.CanLogin(ctx, c.App.ID, u); err != nil {
		return nil, err
	}
	addr, err := s.svc.Login.Pick(ctx, c.App.Settings.Route, u, *q.ClientType)
	if err != nil {
		return nil, err
	}
	return loginResp{AppID: c.App.ID, UserID: u, Address: addr}, nil
}
