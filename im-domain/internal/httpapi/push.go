package httpapi

import (
	"context"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/push"
)

// PushService is offline push: device tokens and the test push
// (push.Service).
type PushService interface {
	RegisterToken(ctx context.Context, appID uint32, t push.Token) (push.Token, error)
	DeleteToken(ctx context.Context, appID uint32, userID string, clientType device.Type, imei string) error
	Tokens(ctx context.Context, appID uint32, userID string) ([]push.Token, error)
	Test(ctx context.Context, appID uint32, userID string, n push.Notification) ([]push.TestResult, error)
}

func (s *Server) pushRoutes() {
	s.api("POST /v1/push/registerToken", acting(s, s.registerPushToken))
	s.api("POST /v1/push/deleteToken", acting(s, s.deletePushToken))
	s.api("POST /v1/push/getTokens", acting(s, s.pushTokens))
	s.api("POST /v1/push/test", adminOnly(s, s.testPush))
}

// pushDeviceReq names one device of userId: clientType and imei of the
// base, as every device-scoped WhaleShark body.
type pushDeviceReq struct {
	ownUserReq
}

func (q *pushDeviceReq) validate() error {
	if q.ClientType == nil || !q.ClientType.Valid() || q.IMEI == "" {
		return errcode.MissingField.With("clientType and imei: the device")
	}
	return q.ownUserReq.validate()
}

type registerPushReq struct {
	pushDeviceReq
	Provider string `json:"provider"`
	Token    string `json:"token"`
}

func (s *Server) registerPushToken(ctx context.Context, c *Caller, u string, q *registerPushReq) (any, error) {
	return s.svc.Push.RegisterToken(ctx, c.App.ID, push.Token{UserID: u, ClientType: *q.ClientType, IMEI: q.IMEI,
		Provider: q.Provider, Token: q.Token})
}

func (s *Server) deletePushToken(ctx context.Context, c *Caller, u string, q *pushDeviceReq) (any, error) {
	return nil, s.svc.Push.DeleteToken(ctx, c.App.ID, u, *q.ClientType, q.IMEI)
}

func (s *Server) pushTokens(ctx context.Context, c *Caller, u string, _ *ownUserReq) (any, error) {
	return s.svc.Push.Tokens(ctx, c.App.ID, u)
}

type testPushReq struct {
	oneUserReq
	Title string `json:"title"`
	Body  string `json:"body"`
}

func (s *Server) testPush(ctx context.Context, c *Caller, _ string, q *testPushReq) (any, error) {
	n := push.Notification{Title: q.Title, Body: q.Body, Data: map[string]string{"test": "1"}}
	if n.Title == "" {
		n.Title = "Test"
	}
	if n.Body == "" {
		n.Body = "A test notification from WhaleIM"
	}
	return s.svc.Push.Test(ctx, c.App.ID, q.UserID, n)
}
