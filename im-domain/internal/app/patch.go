package app

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
)

// Bounds of the settings an admin may change over REST.
const (
	MaxCallbackURL     = 1024 // the apps.callback_url column
	MinCallbackTimeout = 100 * time.Millisecond
	MaxCallbackTimeout = 30 * time.Second
	MaxRecallWindow    = 7 * 24 * time.Hour
	MaxEditWindow      = 7 * 24 * time.Hour
	DefaultEditWindow  = 24 * time.Hour
	MaxGroupSizeLimit  = 100_000
)

// Patch is a change of settings: nil fields stay as they are.
type Patch struct {
	CallbackURL          *string
	Callbacks            *[]string
	CallbackTimeout      *time.Duration
	CallbackFailOpen     *bool
	Policy               *device.Policy
	Route                *RouteStrategy
	RecallWindow         *time.Duration
	EditWindow           *time.Duration
	FriendCheckOnSend    *bool
	BlacklistCheckOnSend *bool
	MaxGroupSize         *int
}

// Apply returns s with the patch applied, or the first invalid field of
// the patch as errcode.MissingField naming it. events are the callback
// names the platform knows.
func (p Patch) Apply(s Settings, events []string) (Settings, error) {
	for _, step := range []func(*Settings, []string) error{p.webhook, p.delivery, p.messaging} {
		if err := step(&s, events); err != nil {
			return Settings{}, err
		}
	}
	return s, nil
}

func (p Patch) webhook(s *Settings, events []string) error {
	if p.CallbackURL != nil {
		if err := checkCallbackURL(*p.CallbackURL); err != nil {
			return err
		}
		s.CallbackURL = *p.CallbackURL
	}
	if p.Callbacks != nil {
		for _, name := range *p.Callbacks {
			if !slices.Contains(events, name) {
				return errcode.MissingField.With(fmt.Sprintf("webhookEvents: unknown event %q", name))
			}
		}
		s.Callbacks = slices.Compact(slices.Sorted(slices.Values(*p.Callbacks)))
	}
	if p.CallbackTimeout != nil {
		if *p.CallbackTimeout < MinCallbackTimeout || *p.CallbackTimeout > MaxCallbackTimeout {
			return errcode.MissingField.With(fmt.Sprintf("webhookTimeoutMs: %d to %d", MinCallbackTimeout.Milliseconds(), MaxCallbackTimeout.Milliseconds()))
		}
		s.CallbackTimeout = *p.CallbackTimeout
	}
	setIf(&s.CallbackFailOpen, p.CallbackFailOpen)
	return nil
}

// checkCallbackURL accepts "" (webhooks off) or an absolute http(s) URL.
func checkCallbackURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	switch {
	case len(raw) > MaxCallbackURL:
		return errcode.MissingField.With(fmt.Sprintf("webhookUrl: at most %d bytes", MaxCallbackURL))
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return errcode.MissingField.With("webhookUrl: an absolute http:// or https:// URL, or empty to switch webhooks off")
	}
	return nil
}

func (p Patch) delivery(s *Settings, _ []string) error {
	if p.Policy != nil && !p.Policy.Valid() {
		return errcode.MissingField.With("multiDevicePolicy: 1 one device, 2 one mobile or desktop + web, 3 mobile + desktop + web, 4 unlimited")
	}
	if p.Route != nil && !p.Route.Valid() {
		return errcode.MissingField.With("routeStrategy: 1 random, 2 round robin, 3 consistent hash")
	}
	setIf(&s.Policy, p.Policy)
	setIf(&s.Route, p.Route)
	return nil
}

func (p Patch) messaging(s *Settings, _ []string) error {
	if p.RecallWindow != nil && (*p.RecallWindow < 0 || *p.RecallWindow > MaxRecallWindow) {
		return errcode.MissingField.With(fmt.Sprintf("recallWindowSeconds: 0 to %d", int(MaxRecallWindow.Seconds())))
	}
	if p.EditWindow != nil && (*p.EditWindow < 0 || *p.EditWindow > MaxEditWindow) {
		return errcode.MissingField.With(fmt.Sprintf("editWindowSeconds: 0 to %d", int(MaxEditWindow.Seconds())))
	}
	if p.MaxGroupSize != nil && (*p.MaxGroupSize < 2 || *p.MaxGroupSize > MaxGroupSizeLimit) {
		return errcode.MissingField.With(fmt.Sprintf("maxGroupSize: 2 to %d", MaxGroupSizeLimit))
	}
	setIf(&s.RecallWindow, p.RecallWindow)
	setIf(&s.EditWindow, p.EditWindow)
	setIf(&s.MaxGroupSize, p.MaxGroupSize)
	setIf(&s.FriendCheckOnSend, p.FriendCheckOnSend)
	setIf(&s.BlacklistCheckOnSend, p.BlacklistCheckOnSend)
	return nil
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// Fresh returns app id as stored, bypassing the in-memory cache.
func (s *Service) Fresh(ctx context.Context, id uint32) (*App, error) { return s.store.App(ctx, id) }

// Update applies p to app id's settings (read from the store under a row
// lock, not from the cache, so a change made on another node is not
// undone), saves them and publishes them to the gateways.
func (s *Service) Update(ctx context.Context, id uint32, p Patch, events []string) (*App, error) {
	return s.modify(ctx, id, func(a *App) (err error) {
		a.Settings, err = p.Apply(a.Settings, events)
		return err
	})
}
