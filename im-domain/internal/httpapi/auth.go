package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/ident"
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
	if err := ident.Check("operater", operator); err != nil {
		return "", err
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

// verify checks appId + identifier + userSign:
//   - identifier is a valid id (ident.ValidID): "x2 " is nobody, not x2;
//   - the sign's HMAC under the app's own secret (constant-time compare),
//     its app, its identifier and its expiry (usersign.Verify). An unknown
//     appId is checked against a random decoy secret, so it fails exactly
//     like a bad sign of a real app: the answer reveals no app ids;
//   - an admin sign must also have been issued within AdminSignMaxAge: a
//     captured admin request works for any call until then, unless
//     AdminNonce requires a fresh random per call (checkNonce).
func (s *Server) verify(r *http.Request, now time.Time) (*Caller, error) {
	appID, err := strconv.ParseUint(authParam(r, "appId", "X-IM-AppId"), 10, 32)
	if err != nil || appID == 0 {
		return nil, errcode.Unauthenticated.With("appId required")
	}
	identifier := authParam(r, "identifier", "X-IM-Identifier")
	if err := ident.ValidID(identifier); err != nil {
		return nil, errcode.Unauthenticated.With("identifier: " + err.Error())
	}
	sign := authParam(r, "userSign", "X-IM-UserSign")
	claims, err := usersign.Parse(sign)
	if err != nil {
		return nil, err
	}
	if claims.AppID != uint32(appID) {
		return nil, errcode.AppMismatch
	}
	a, secrets, err := s.app(r.Context(), uint32(appID), now)
	if err != nil {
		return nil, err
	}
	if _, err := usersign.VerifyAny(sign, secrets, uint32(appID), identifier, now, s.cfg.SignOptions...); err != nil {
		return nil, err
	}
	c := &Caller{App: a, Identifier: identifier, Admin: a.IsAdmin(identifier)}
	if !c.Admin {
		return c, nil
	}
	if s.cfg.AdminSignMaxAge > 0 && now.Sub(claims.Issued) > s.cfg.AdminSignMaxAge {
		return nil, errcode.SignExpired.With("admin sign older than " + s.cfg.AdminSignMaxAge.String())
	}
	if s.cfg.AdminNonce {
		if err := s.checkNonce(r, c, claims, now); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// app returns the app and the secrets to verify its signs with (the
// previous one too during a rotation's overlap); an unknown app gets the
// decoy secret, which no sign matches (and a nil app, never reached
// because verification fails).
func (s *Server) app(ctx context.Context, id uint32, now time.Time) (*app.App, [][]byte, error) {
	a, err := s.svc.Apps.App(ctx, id)
	switch {
	case errors.Is(err, errcode.AppNotFound):
		return nil, [][]byte{s.decoy}, nil
	case err != nil:
		return nil, nil, err
	}
	return a, a.Secrets(now), nil
}

// DefaultAdminSignMaxAge bounds how long after issue an admin sign is
// accepted, whatever its own expiry says.
const DefaultAdminSignMaxAge = 24 * time.Hour
