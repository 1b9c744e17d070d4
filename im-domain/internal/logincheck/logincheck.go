// Package logincheck answers the gateways' login checks (mq.QueueAuth):
// after a gateway verified a user's sign it asks whether the user may log
// in, and the user feature, the one owner of user state, answers. A user
// never imported, deleted or forbidden is refused with the code REST
// /v1/user/login gives (3000 or 3002); a check that fails here (MySQL
// down) is refused as retryable (9001), never allowed.
package logincheck

import (
	"context"
	"encoding/json"
	"log/slog"

	"golang.org/x/sync/errgroup"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
)

// Users decides whether a user may log in (user.Service.CanLogin).
type Users interface {
	CanLogin(ctx context.Context, appID uint32, userID string) error
}

// Server answers request/reply queues (an mq.Server).
type Server interface {
	Serve(ctx context.Context, queue string, h mq.Responder) error
}

// Checker answers login checks.
type Checker struct {
	users Users
	log   *slog.Logger
}

// New returns a Checker.
func New(users Users, log *slog.Logger) *Checker {
	return &Checker{users: users, log: log.With("feature", "logincheck")}
}

// Run serves mq.QueueAuth with n concurrent handlers until ctx ends.
func (c *Checker) Run(ctx context.Context, s Server, n int) error {
	g, ctx := errgroup.WithContext(ctx)
	for range max(n, 1) {
		g.Go(func() error { return s.Serve(ctx, mq.QueueAuth, c.Answer) })
	}
	return g.Wait()
}

// Answer is the mq.Responder of mq.QueueAuth: it always replies.
func (c *Checker) Answer(ctx context.Context, body []byte) ([]byte, error) {
	var q mq.AuthRequest
	var e *errcode.Error
	switch err := json.Unmarshal(body, &q); {
	case err != nil || q.Version != mq.Version:
		e = errcode.BadRequest.With("undecodable login check")
	case q.AppID == 0 || q.UserID == "":
		e = errcode.MissingField.With("appId and userId")
	default:
		e = c.check(ctx, q)
	}
	return json.Marshal(mq.AuthReply{Version: mq.Version, Code: int(e.Code), Msg: e.Message})
}

// check asks the user feature; a failure that is not a verdict about the
// user becomes a retryable refusal.
func (c *Checker) check(ctx context.Context, q mq.AuthRequest) *errcode.Error {
	err := c.users.CanLogin(ctx, q.AppID, q.UserID)
	e := errcode.Of(err)
	if e == errcode.Internal {
		c.log.WarnContext(ctx, "login check failed", "app", q.AppID, "user", q.UserID, "err", err)
		return errcode.Unavailable
	}
	return e
}
