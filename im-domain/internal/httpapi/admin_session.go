package httpapi

import (
	"context"
	"encoding/json"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/ident"
	"github.com/whaleim/whaleim/im-domain/internal/online"
)

// SessionAdmin is the app admin's session control (online.Service).
type SessionAdmin interface {
	List(ctx context.Context, appID uint32, cursor string, limit int) (online.Page, error)
	Gateways(ctx context.Context, appID uint32) ([]online.GatewayLoad, error)
	Logout(ctx context.Context, appID uint32, userID string, only *device.ID, reason string) (int, error)
	Broadcast(ctx context.Context, appID uint32, users []string, data json.RawMessage) (online.Reach, error)
}

// adminSessionRoutes: admin-only views and control of the app's sessions.
func (s *Server) adminSessionRoutes() {
	s.api("POST /v1/admin/onlineUsers", adminOnly(s, s.onlineUsers))
	s.api("POST /v1/admin/gateways", adminOnly(s, s.gatewayLoads))
	s.api("POST /v1/admin/forceLogout", adminOnly(s, s.forceLogout))
	s.api("POST /v1/admin/broadcast", adminOnly(s, s.broadcast))
}

type onlineUsersReq struct {
	base
	Cursor string `json:"cursor"`
	Limit  int    `json:"limit"`
}

func (q *onlineUsersReq) validate() error {
	if q.Limit < 0 || q.Limit > online.MaxPage {
		return errcode.MissingField.With("limit: 1..1000 (0: 100)")
	}
	if q.Limit == 0 {
		q.Limit = 100
	}
	return nil
}

func (s *Server) onlineUsers(ctx context.Context, c *Caller, _ string, q *onlineUsersReq) (any, error) {
	return s.svc.Sessions.List(ctx, c.App.ID, q.Cursor, q.Limit)
}

func (s *Server) gatewayLoads(ctx context.Context, c *Caller, _ string, _ *appReq) (any, error) {
	gws, err := s.svc.Sessions.Gateways(ctx, c.App.ID)
	return map[string]any{"gateways": gws}, err
}

// deviceRef names one device of a user; it is nested so it cannot be read
// as the caller's own clientType/imei of RequestBase.
type deviceRef struct {
	ClientType *device.Type `json:"clientType"`
	IMEI       string       `json:"imei"`
}

type forceLogoutReq struct {
	base
	UserID string     `json:"userId"`
	Device *deviceRef `json:"device"` // absent: every device of the user
	Reason string     `json:"reason"` // the 9002 msg; default: the code's text
}

func (q *forceLogoutReq) validate() error {
	if err := ident.Check("userId", q.UserID); err != nil {
		return err
	}
	if len(q.Reason) > 256 {
		return errcode.MissingField.With("reason: at most 256 bytes")
	}
	if d := q.Device; d != nil && (d.ClientType == nil || !d.ClientType.Valid() || d.IMEI == "") {
		return errcode.MissingField.With("device: needs a valid clientType and an imei")
	}
	return nil
}

func (s *Server) forceLogout(ctx context.Context, c *Caller, _ string, q *forceLogoutReq) (any, error) {
	var only *device.ID
	if d := q.Device; d != nil {
		only = &device.ID{AppID: c.App.ID, UserID: q.UserID, Type: *d.ClientType, IMEI: d.IMEI}
	}
	n, err := s.svc.Sessions.Logout(ctx, c.App.ID, q.UserID, only, q.Reason)
	return map[string]int{"devices": n}, err
}

type broadcastReq struct {
	base
	UserIDs []string        `json:"userIds"` // absent or empty: every online user of the app
	Data    json.RawMessage `json:"data"`
}

func (q *broadcastReq) validate() error {
	if len(q.Data) == 0 || string(q.Data) == "null" {
		return errcode.MissingField.With("data")
	}
	if len(q.UserIDs) == 0 {
		return nil
	}
	return checkIDs("userIds", q.UserIDs, online.MaxSegment)
}

func (s *Server) broadcast(ctx context.Context, c *Caller, _ string, q *broadcastReq) (any, error) {
	return s.svc.Sessions.Broadcast(ctx, c.App.ID, q.UserIDs, q.Data)
}
