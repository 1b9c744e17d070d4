package httpapi

import (
	"context"
	"net/http"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/app"
	"github.com/whaleim/whaleim/im-domain/internal/routing"
	"github.com/whaleim/whaleim/im-domain/internal/user"
)

// LoginService picks a gateway (routing.Picker).
type LoginService interface {
	Pick(ctx context.Context, s app.RouteStrategy, userID string, ct device.Type) (routing.Address, error)
}

// loginRoutes: login routing. It authenticates like every endpoint (the
// user's own sign, or an admin acting for the user): the gateway checks the
// sign again at 9000 LOGIN, this only hands out an address.
func (s *Server) loginRoutes() {
	s.api("POST /v1/user/login", s.login)
}

type loginReq struct {
	base
	UserID string `json:"userId"`
}

func (q *loginReq) validate() error {
	if q.ClientType == nil || !q.ClientType.Valid() {
		return errcode.MissingField.With("clientType: 0..5")
	}
	return user.ValidID(q.UserID)
}

type loginResp struct {
	AppID  uint32 `json:"appId"`
	UserID string `json:"userId"`
	routing.Address
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q loginReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	if err := ownedBy(&q.base, c, q.UserID); err != nil {
		return nil, err
	}
	if err := s.svc.Users.CanLogin(r.Context(), c.App.ID, q.UserID); err != nil {
		return nil, err
	}
	addr, err := s.svc.Login.Pick(r.Context(), c.App.Settings.Route, q.UserID, *q.ClientType)
	if err != nil {
		return nil, err
	}
	return loginResp{AppID: c.App.ID, UserID: q.UserID, Address: addr}, nil
}
