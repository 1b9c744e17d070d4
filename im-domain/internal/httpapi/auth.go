package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/usersign"
	"github.com/whaleim/whaleim/im-domain/internal/app"
)

// Apps loads apps for signature checks (app.Service).
type Apps interface {
	App(ctx context.Context, id uint32) (*app.App, error)
}

// Caller is the authenticated party of a request.
type Caller struct {
	App        *app.App
	Identifier string
	// Admin callers (an identifier listed in the app's admins) may act for
	// any user; everyone else only as themselves.
	Admin bool
}

// ActAs returns the user a request acts as: operator when given (WhaleShark's
// `operater` body field), else the caller. A non-admin may name only itself.
func (c *Caller) ActAs(operator string) (string, error) {
	if operator == "" {
		return c.Identifier, nil
	}
	return operator, c.Owns(operator)
}

// Owns returns errcode.IdentityMismatch unless the caller may act as userID.
func (c *Caller) Owns(userID string) error {
	if c.Admin || userID == c.Identifier {
		return nil
	}
	return errcode.IdentityMismatch.With("a user sign acts only as its own identifier")
}

// RequireAdmin refuses non-admin callers.
func (c *Caller) RequireAdmin() error {
	if c.Admin {
		return nil
	}
	return errcode.Forbidden.With("app admin sign required")
}

// Device returns the caller's device when the body named one (clientType and
// imei), so notifications skip the device that made the change.
func (c *Caller) Device(userID string, ct *device.Type, imei string) *device.ID {
	if ct == nil || imei == "" {
		return nil
	}
	return &device.ID{AppID: c.App.ID, UserID: userID, Type: *ct, IMEI: imei}
}

// authParam reads an auth parameter from the query (WhaleShark-compatible)
// or from its X-IM-* header.
func authParam(r *http.Request, query, header string) string {
	if v := r.URL.Query().Get(query); v != "" {
		return v
	}
	return r.Header.Get(header)
}

// authenticate verifies appId + identifier + userSign:
//   - the sign's HMAC under the app's own secret (constant-time compare),
//     its app, its identifier and its expiry (usersign.Verify);
//   - an admin sign must also have been issued within AdminSignMaxAge, so a
//     captured admin request cannot be replayed for the sign's (often very
//     long, Tencent's default is 180 days) lifetime.
func (s *Server) authenticate(r *http.Request) (*Caller, error) {
	appID, err := strconv.ParseUint(authParam(r, "appId", "X-IM-AppId"), 10, 32)
	if err != nil || appID == 0 {
		return nil, errcode.Unauthenticated.With("appId required")
	}
	identifier := authParam(r, "identifier", "X-IM-Identifier")
	if identifier == "" {
		return nil, errcode.Unauthenticated.With("identifier required")
	}
	sign := authParam(r, "userSign", "X-IM-UserSign")
	claims, err := usersign.Parse(sign)
	if err != nil {
		return nil, err
	}
	if claims.AppID != uint32(appID) {
		return nil, errcode.AppMismatch
	}
	a, err := s.svc.Apps.App(r.Context(), uint32(appID))
	if errors.Is(err, errcode.AppNotFound) {
		return nil, errcode.AppNotFound
	} else if err != nil {
		return nil, err
	}
	now := s.now()
	if _, err := usersign.Verify(sign, []byte(a.Secret), a.ID, identifier, now, usersign.MaxLifetime(s.cfg.SignMaxLifetime)); err != nil {
		return nil, err
	}
	c := &Caller{App: a, Identifier: identifier, Admin: a.IsAdmin(identifier)}
	if c.Admin && s.cfg.AdminSignMaxAge > 0 && now.Sub(claims.Issued) > s.cfg.AdminSignMaxAge {
		return nil, errcode.SignExpired.With("admin sign older than " + s.cfg.AdminSignMaxAge.String())
	}
	return c, nil
}

// DefaultAdminSignMaxAge bounds how long after issue an admin sign is
// accepted, whatever its own expiry says.
const DefaultAdminSignMaxAge = 24 * time.Hour
