package config

import (
	"time"

	"github.com/whaleim/whaleim/im-common/usersign"
)

// Auth configures how user signs are checked, identically at gateway login
// and on the REST API.
type Auth struct {
	// SignMaxLifetime (IM_USER_SIGN_MAX_LIFETIME, 180 days = Tencent's
	// default expire, so signs from existing generators keep working; 0 =
	// no bound) refuses signs whose expire field is longer.
	SignMaxLifetime time.Duration
	// FailLimit failed sign checks per (IP, appId) within FailWindow
	// (IM_AUTH_FAIL_LIMIT 20, IM_AUTH_FAIL_WINDOW 1m; limit 0 = off)
	// throttle that source: further attempts are refused unheard until
	// the failures leak away (im-common/throttle).
	FailLimit  int
	FailWindow time.Duration
	// WhaleSharkSigns (IM_USER_SIGN_WHALESHARK, off) also accepts signs in
	// IM-WhaleShark's SigAPI format, for back-ends migrating from it.
	WhaleSharkSigns bool
}

// SignOptions are the usersign checks these settings ask for.
func (a Auth) SignOptions() []usersign.Option {
	opts := []usersign.Option{usersign.MaxLifetime(a.SignMaxLifetime)}
	if a.WhaleSharkSigns {
		opts = append(opts, usersign.WhaleSharkFormat())
	}
	return opts
}

// DefaultAuth returns the Auth defaults.
func DefaultAuth() Auth {
	return Auth{SignMaxLifetime: 180 * 24 * time.Hour, FailLimit: 20, FailWindow: time.Minute}
}

// LoadAuth reads the Auth section.
func LoadAuth(e *Env) Auth {
	d := DefaultAuth()
	a := Auth{
		SignMaxLifetime: e.Duration("IM_USER_SIGN_MAX_LIFETIME", d.SignMaxLifetime),
		FailLimit:       e.Int("IM_AUTH_FAIL_LIMIT", d.FailLimit),
		FailWindow:      e.Duration("IM_AUTH_FAIL_WINDOW", d.FailWindow),
		WhaleSharkSigns: e.Bool("IM_USER_SIGN_WHALESHARK", false),
	}
	e.Check(a.SignMaxLifetime >= 0, "IM_USER_SIGN_MAX_LIFETIME", "must be >= 0")
	e.Check(a.FailLimit >= 0, "IM_AUTH_FAIL_LIMIT", "must be >= 0")
	e.Check(a.FailWindow > 0, "IM_AUTH_FAIL_WINDOW", "must be > 0")
	return a
}
