package httpapi

import (
	"context"
	"net/http"

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
	s.api("POST /v1/user/importUser", s.importUser)
	s.api("POST /v1/user/deleteUser", s.deleteUser)
	s.api("POST /v1/user/getUserSequence", s.getUserSequence)
	s.api("POST /v1/user/queryUserOnlineStatus", s.queryOnline)
	s.api("POST /v1/user/data/getUserInfo", s.getUserInfo)
	s.api("POST /v1/user/data/getSingleUserInfo", s.getSingleUserInfo)
	s.api("POST /v1/user/data/modifyUserInfo", s.modifyUserInfo)
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
func (s *Server) importUser(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q importUserReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	if _, err := q.actor(c); err != nil {
		return nil, err
	}
	if err := c.RequireAdmin(); err != nil {
		return nil, err
	}
	return s.svc.Users.Import(r.Context(), c.App.ID, q.UserData)
}

type userIDsReq struct {
	base
	UserID []string `json:"userId"`
}

func (q *userIDsReq) validate() error { return checkIDs("userId", q.UserID, user.MaxBatch) }

// deleteUser is admin-only; it soft-deletes.
func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q userIDsReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	if _, err := q.actor(c); err != nil {
		return nil, err
	}
	if err := c.RequireAdmin(); err != nil {
		return nil, err
	}
	return s.svc.Users.Delete(r.Context(), c.App.ID, q.UserID)
}

type oneUserReq struct {
	base
	UserID string `json:"userId"`
}

func (q *oneUserReq) validate() error { return user.ValidID(q.UserID) }

// getUserSequence returns the caller's own per-module sync sequences.
func (s *Server) getUserSequence(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q oneUserReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	if err := ownedBy(&q.base, c, q.UserID); err != nil {
		return nil, err
	}
	return s.svc.Users.Sequences(r.Context(), c.App.ID, q.UserID)
}

type onlineReq struct {
	base
	UserList []string `json:"userList"`
}

func (q *onlineReq) validate() error { return checkIDs("userList", q.UserList, user.MaxBatch) }

type onlineStatus struct {
	Session []user.Device `json:"session"`
}

func (s *Server) queryOnline(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q onlineReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	if _, err := q.actor(c); err != nil {
		return nil, err
	}
	online, err := s.svc.Users.Online(r.Context(), c.App.ID, q.UserList)
	if err != nil {
		return nil, err
	}
	out := make(map[string]onlineStatus, len(online))
	for id, devices := range online {
		out[id] = onlineStatus{Session: devices}
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
func (s *Server) getUserInfo(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q getUserInfoReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	if _, err := q.actor(c); err != nil {
		return nil, err
	}
	found, missing, err := s.svc.Users.Get(r.Context(), c.App.ID, q.UserIDs)
	if err != nil {
		return nil, err
	}
	if found == nil {
		found = []user.User{}
	}
	return getUserInfoResp{UserDataItem: found, FailUser: missing}, nil
}

func (s *Server) getSingleUserInfo(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q oneUserReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	if _, err := q.actor(c); err != nil {
		return nil, err
	}
	return s.svc.Users.One(r.Context(), c.App.ID, q.UserID)
}

type modifyUserReq struct {
	base
	UserID string `json:"userId"`
	user.Patch
}

func (q *modifyUserReq) validate() error { return user.ValidID(q.UserID) }

// modifyUserInfo: a user modifies its own profile, an admin anyone's;
// forbiddenFlag and silentFlag only by an admin.
func (s *Server) modifyUserInfo(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q modifyUserReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	if err := ownedBy(&q.base, c, q.UserID); err != nil {
		return nil, err
	}
	if q.AdminOnly() {
		if err := c.RequireAdmin(); err != nil {
			return nil, err
		}
	}
	from := c.Device(q.UserID, q.ClientType, q.IMEI)
	return s.svc.Users.Modify(r.Context(), c.App.ID, q.UserID, q.Patch, from)
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
