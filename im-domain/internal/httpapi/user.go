package httpapi

import (
	"context"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/user"
)

// UserService is what the user routes need (user.Service).
type UserService interface {
	Import(ctx context.Context, appID uint32, users []user.User) (user.Result, error)
	Get(ctx context.Context, appID uint32, ids []string) ([]user.User, []string, error)
	One(ctx context.Context, appID uint32, id string) (user.User, error)
	Modify(ctx context.Context, appID uint32, id string, p user.Patch, from *device.ID) (user.User, error)
	Delete(ctx context.Context, appID uint32, ids []string) (user.Result, error)
	Online(ctx context.Context, appID uint32, ids []string) (map[string][]user.Device, error)
	Sequences(ctx context.Context, appID uint32, id string) (map[string]int64, error)
	CanLogin(ctx context.Context, appID uint32, id string) error
}

// userRoutes: WhaleShark's ImUserController (/v1/user) and
// ImUserDataController (/v1/user/data).
func (s *Server) userRoutes() {
	s.api("POST /v1/user/importUser", adminOnly(s, s.importUser))
	s.api("POST /v1/user/deleteUser", adminOnly(s, s.deleteUser))
	s.api("POST /v1/user/getUserSequence", acting(s, s.getUserSequence))
	s.api("POST /v1/user/queryUserOnlineStatus", acting(s, s.queryOnline))
	s.api("POST /v1/user/data/getUserInfo", acting(s, s.getUserInfo))
	s.api("POST /v1/user/data/getSingleUserInfo", acting(s, s.getSingleUserInfo))
	s.api("POST /v1/user/data/modifyUserInfo", acting(s, s.modifyUserInfo))
}

type importUserReq struct {
	base
	UserData []user.User `json:"userData"`
}

func (q *importUserReq) validate() error {
	if len(q.UserData) == 0 {
		return errcode.MissingField.With("userData")
	}
	if len(q.UserData) > user.MaxBatch {
		return errcode.BatchTooLarge.With("userData: at most 100 users")
	}
	return nil
}

// importUser is admin-only: only the app back-end creates users.
func (s *Server) importUser(ctx context.Context, c *Caller, _ string, q *importUserReq) (any, error) {
	return s.svc.Users.Import(ctx, c.App.ID, q.UserData)
}

type userIDsReq struct {
	base
	UserID []string `json:"userId"`
}

func (q *userIDsReq) validate() error { return checkIDs("userId", q.UserID, user.MaxBatch) }

// deleteUser is admin-only; it soft-deletes.
func (s *Server) deleteUser(ctx context.Context, c *Caller, _ string, q *userIDsReq) (any, error) {
	return s.svc.Users.Delete(ctx, c.App.ID, q.UserID)
}

type oneUserReq struct {
	base
	UserID string `json:"userId"`
}

func (q *oneUserReq) validate() error { return user.ValidID(q.UserID) }

// ownUserReq is a body about userId, which the caller must own: its own
// identifier, or any for an admin.
type ownUserReq struct {
	oneUserReq
}

// acting returns userId once the caller may act as it.
func (q *ownUserReq) acting(c *Caller) (string, error) {
	return q.UserID, ownedBy(&q.base, c, q.UserID)
}

// getUserSequence returns the caller's own per-module sync sequences.
func (s *Server) getUserSequence(ctx context.Context, c *Caller, u string, _ *ownUserReq) (any, error) {
	return s.svc.Users.Sequences(ctx, c.App.ID, u)
}

type onlineReq struct {
	base
	UserList []string `json:"userList"`
}

func (q *onlineReq) validate() error { return checkIDs("userList", q.UserList, user.MaxBatch) }

type onlineStatus struct {
	Session []sessionView `json:"session"`
}

// sessionView is one online device. IMEI and login time are shown only to
// the user itself and to admins: to anyone else they would track a user's
// devices and logins.
type sessionView struct {
	ClientType device.Type `json:"clientType"`
	IMEI       string      `json:"imei,omitempty"`
	LoginTime  int64       `json:"loginTime,omitempty"`
}

func (s *Server) queryOnline(ctx context.Context, c *Caller, _ string, q *onlineReq) (any, error) {
	online, err := s.svc.Users.Online(ctx, c.App.ID, q.UserList)
	if err != nil {
		return nil, err
	}
	out := make(map[string]onlineStatus, len(online))
	for id, devices := range online {
		full := c.Admin || id == c.Identifier
		views := make([]sessionView, len(devices))
		for i, d := range devices {
			views[i] = sessionView{ClientType: d.ClientType}
			if full {
				views[i].IMEI, views[i].LoginTime = d.IMEI, d.LoginTime
			}
		}
		out[id] = onlineStatus{Session: views}
	}
	return out, nil
}

type getUserInfoReq struct {
	base
	UserIDs []string `json:"userIds"`
}

func (q *getUserInfoReq) validate() error { return checkIDs("userIds", q.UserIDs, user.MaxBatch) }

type getUserInfoResp struct {
	UserDataItem []user.User `json:"userDataItem"`
	FailUser     []string    `json:"failUser"`
}

// getUserInfo: unknown users are listed in failUser, not an error.
func (s *Server) getUserInfo(ctx context.Context, c *Caller, _ string, q *getUserInfoReq) (any, error) {
	found, missing, err := s.svc.Users.Get(ctx, c.App.ID, q.UserIDs)
	if err != nil {
		return nil, err
	}
	if found == nil {
		found = []user.User{}
	}
	return getUserInfoResp{UserDataItem: found, FailUser: missing}, nil
}

func (s *Server) getSingleUserInfo(ctx context.Context, c *Caller, _ string, q *oneUserReq) (any, error) {
	return s.svc.Users.One(ctx, c.App.ID, q.UserID)
}

type modifyUserReq struct {
	ownUserReq
	user.Patch
}

// modifyUserInfo: a user modifies its own profile, an admin anyone's;
// forbiddenFlag and silentFlag only by an admin.
func (s *Server) modifyUserInfo(ctx context.Context, c *Caller, u string, q *modifyUserReq) (any, error) {
	if q.AdminOnly() {
		if err := c.RequireAdmin(); err != nil {
			return nil, err
		}
	}
	return s.svc.Users.Modify(ctx, c.App.ID, u, q.Patch, c.Device(u, q.ClientType, q.IMEI))
}

// ownedBy checks the body's operator and that the acting user may act as
// userID (its own, or any when admin).
func ownedBy(b *base, c *Caller, userID string) error {
	actor, err := b.actor(c)
	if err != nil {
		return err
	}
	if !c.Admin && actor != userID {
		return errcode.IdentityMismatch.With("userId must be the signed identifier")
	}
	return nil
}
