// Package app holds tenants: each app has its own signing secret, admin
// identifiers and settings. Service loads apps (cached in memory for a short
// TTL), bootstraps the configured app at start-up and publishes every app to
// the Redis app cache the gateways read.
package app

import (
	"slices"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
)

// RouteStrategy picks a gateway for login routing; codes follow WhaleShark.
type RouteStrategy uint8

// Login routing strategies.
const (
	RouteRandom         RouteStrategy = 1
	RouteRoundRobin     RouteStrategy = 2
	RouteConsistentHash RouteStrategy = 3
)

// Valid reports whether s is a known strategy.
func (s RouteStrategy) Valid() bool { return s >= RouteRandom && s <= RouteConsistentHash }

// App is one tenant.
type App struct {
	ID     uint32
	Secret string
	// Previous is the secret a rotation replaced; signs made with it keep
	// verifying until PreviousUntil (the overlap window), so live clients
	// are not logged out by a rotation.
	Previous      string
	PreviousUntil time.Time
	// ConfiguredHash is the SHA-256 (hex) of the IM_APP_SECRET last applied
	// by Bootstrap: a restart with the same variable keeps a secret rotated
	// over REST since.
	ConfiguredHash string
	// Admins may act for any user of the app (the `operater` body field).
	Admins   []string
	Settings Settings
	Created  time.Time
	Updated  time.Time
}

// Settings are the per-app switches the features read.
type Settings struct {
	Policy               device.Policy // multi-device login policy
	FriendCheckOnSend    bool          // 1:1 messages only between friends
	BlacklistCheckOnSend bool          // refuse messages to users who blocked the sender
	CallbackURL          string        // webhook endpoint of the app back-end; empty = none
	Callbacks            []string      // enabled callback names, e.g. "friend.add.before"
	CallbackFailOpen     bool          // a failing before-callback lets the action proceed
	CallbackTimeout      time.Duration
	RecallWindow         time.Duration
	EditWindow           time.Duration // how long after sending its sender may edit a message; 0: never
	MaxGroupSize         int
	Route                RouteStrategy
}

// DefaultSettings are used for a bootstrapped app.
func DefaultSettings() Settings {
	return Settings{
		Policy:               device.PolicyMobileDesktop,
		BlacklistCheckOnSend: true,
		CallbackFailOpen:     true,
		CallbackTimeout:      2 * time.Second,
		RecallWindow:         2 * time.Minute,
		EditWindow:           DefaultEditWindow,
		MaxGroupSize:         500,
		Route:                RouteConsistentHash,
	}
}

// IsAdmin reports whether identifier is an admin of a.
func (a *App) IsAdmin(identifier string) bool { return slices.Contains(a.Admins, identifier) }

// CallbackOn reports whether the named callback is enabled.
func (a *App) CallbackOn(name string) bool {
	return a.Settings.CallbackURL != "" && slices.Contains(a.Settings.Callbacks, name)
}

// Validate reports the first invalid field as errcode.MissingField.
func (a *App) Validate() error {
	s := a.Settings
	switch {
	case a.ID == 0:
		return errcode.MissingField.With("appId")
	case len(a.Secret) < 16:
		return errcode.MissingField.With("secret: at least 16 characters")
	case len(a.Admins) == 0:
		return errcode.MissingField.With("admins: at least one")
	case !s.Policy.Valid():
		return errcode.MissingField.With("multi-device policy 1..4")
	case !s.Route.Valid():
		return errcode.MissingField.With("route strategy 1..3")
	case s.CallbackTimeout <= 0 || s.RecallWindow < 0 || s.EditWindow < 0 || s.MaxGroupSize < 2:
		return errcode.MissingField.With("callback timeout, recall window, edit window or max group size")
	}
	return nil
}
