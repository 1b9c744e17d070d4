package httpapi

import (
	"context"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/app"
	"github.com/whaleim/whaleim/im-domain/internal/webhook"
)

// AppSettingsService changes an app's settings and secret (app.Service).
type AppSettingsService interface {
	Fresh(ctx context.Context, id uint32) (*app.App, error)
	Update(ctx context.Context, id uint32, p app.Patch, events []string) (*app.App, error)
	RotateSecret(ctx context.Context, id uint32, secret string, overlap time.Duration) (*app.App, error)
}

// appRoutes: an app admin reads and changes the app's own settings and
// rotates its secret. The change is saved, then published to the Redis app
// hash the gateways read; every node's in-memory copy (IM_APP_CACHE_TTL)
// picks it up within its TTL.
func (s *Server) appRoutes() {
	s.api("POST /v1/app/getSettings", adminOnly(s, s.appSettings))
	s.api("POST /v1/app/updateSettings", adminOnly(s, s.appUpdate))
	s.api("POST /v1/app/rotateSecret", adminOnly(s, s.appRotate))
}

// appView is an app's settings as the API shows them (never the secret).
type appView struct {
	AppID                uint32   `json:"appId"`
	Admins               []string `json:"admins"`
	WebhookURL           string   `json:"webhookUrl"`
	WebhookEvents        []string `json:"webhookEvents"`
	WebhookTimeoutMs     int64    `json:"webhookTimeoutMs"`
	WebhookFailOpen      bool     `json:"webhookFailOpen"`
	MultiDevicePolicy    int      `json:"multiDevicePolicy"`
	RouteStrategy        int      `json:"routeStrategy"`
	RecallWindowSeconds  int64    `json:"recallWindowSeconds"`
	EditWindowSeconds    int64    `json:"editWindowSeconds"`
	FriendOnlySend       bool     `json:"friendOnlySend"`
	BlacklistCheckOnSend bool     `json:"blacklistCheckOnSend"`
	MaxGroupSize         int      `json:"maxGroupSize"`
	// PreviousSecretUntil: signs of the replaced secret verify until then
	// (unix ms; 0 when there is none).
	PreviousSecretUntil int64 `json:"previousSecretUntil"`
}

func viewApp(a *app.App, now time.Time) appView {
	st := a.Settings
	v := appView{AppID: a.ID, Admins: a.Admins, WebhookURL: st.CallbackURL, WebhookEvents: groupNonNil(st.Callbacks),
		WebhookTimeoutMs: st.CallbackTimeout.Milliseconds(), WebhookFailOpen: st.CallbackFailOpen,
		MultiDevicePolicy: int(st.Policy), RouteStrategy: int(st.Route), RecallWindowSeconds: int64(st.RecallWindow / time.Second),
		EditWindowSeconds: int64(st.EditWindow / time.Second),
		FriendOnlySend:    st.FriendCheckOnSend, BlacklistCheckOnSend: st.BlacklistCheckOnSend, MaxGroupSize: st.MaxGroupSize}
	if a.Previous != "" && now.Before(a.PreviousUntil) {
		v.PreviousSecretUntil = a.PreviousUntil.UnixMilli()
	}
	return v
}

type appReq struct{ base }

func (q *appReq) validate() error { return nil }

// appSettings reads the app fresh: the in-memory copy may be up to
// IM_APP_CACHE_TTL old.
func (s *Server) appSettings(ctx context.Context, c *Caller, _ string, _ *appReq) (any, error) {
	a, err := s.svc.AppSettings.Fresh(ctx, c.App.ID)
	if err != nil {
		return nil, err
	}
	return viewApp(a, s.now()), nil
}

// appUpdateReq: every field is optional; absent fields keep their value.
type appUpdateReq struct {
	base
	WebhookURL           *string   `json:"webhookUrl"`
	WebhookEvents        *[]string `json:"webhookEvents"`
	WebhookTimeoutMs     *int64    `json:"webhookTimeoutMs"`
	WebhookFailOpen      *bool     `json:"webhookFailOpen"`
	MultiDevicePolicy    *int      `json:"multiDevicePolicy"`
	RouteStrategy        *int      `json:"routeStrategy"`
	RecallWindowSeconds  *int64    `json:"recallWindowSeconds"`
	EditWindowSeconds    *int64    `json:"editWindowSeconds"`
	FriendOnlySend       *bool     `json:"friendOnlySend"`
	BlacklistCheckOnSend *bool     `json:"blacklistCheckOnSend"`
	MaxGroupSize         *int      `json:"maxGroupSize"`
}

func (q *appUpdateReq) validate() error {
	if q.patch() == (app.Patch{}) {
		return errcode.MissingField.With("no setting to change (webhookUrl, webhookEvents, webhookTimeoutMs, webhookFailOpen, " +
			"multiDevicePolicy, routeStrategy, recallWindowSeconds, editWindowSeconds, friendOnlySend, blacklistCheckOnSend, maxGroupSize)")
	}
	return nil
}

func (q *appUpdateReq) patch() app.Patch {
	return app.Patch{CallbackURL: q.WebhookURL, Callbacks: convert(q.WebhookEvents, canonicalEvents),
		CallbackTimeout:   convert(q.WebhookTimeoutMs, func(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }),
		CallbackFailOpen:  q.WebhookFailOpen,
		Policy:            convert(q.MultiDevicePolicy, func(n int) device.Policy { return device.Policy(clampByte(n)) }),
		Route:             convert(q.RouteStrategy, func(n int) app.RouteStrategy { return app.RouteStrategy(clampByte(n)) }),
		RecallWindow:      convert(q.RecallWindowSeconds, seconds),
		EditWindow:        convert(q.EditWindowSeconds, seconds),
		FriendCheckOnSend: q.FriendOnlySend, BlacklistCheckOnSend: q.BlacklistCheckOnSend, MaxGroupSize: q.MaxGroupSize}
}

// seconds is a window in seconds, clamped so that a huge one cannot
// overflow (the patch refuses it by name).
func seconds(sec int64) time.Duration { return time.Duration(min(max(sec, -1), 1<<32)) * time.Second }

// canonicalEvents maps WhaleShark's event names to ours; unknown names
// stay as given, for the settings check to name them.
func canonicalEvents(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i], _ = webhook.Canonical(n)
	}
	return out
}

// convert maps an optional value.
func convert[A, B any](v *A, f func(A) B) *B {
	if v == nil {
		return nil
	}
	b := f(*v)
	return &b
}

// clampByte keeps an out-of-range number out of range after the uint8
// conversion (300 must not become 44, a valid-looking value).
func clampByte(n int) int { return min(max(n, 0), 255) }

func (s *Server) appUpdate(ctx context.Context, c *Caller, _ string, q *appUpdateReq) (any, error) {
	a, err := s.svc.AppSettings.Update(ctx, c.App.ID, q.patch(), webhook.Events)
	if err != nil {
		return nil, err
	}
	return viewApp(a, s.now()), nil
}

type rotateReq struct {
	base
	Secret         string `json:"secret"`         // the new secret; generated when empty
	OverlapSeconds *int64 `json:"overlapSeconds"` // the old secret keeps verifying this long (default 86400)
}

func (q *rotateReq) validate() error { return nil }

type rotateView struct {
	Secret              string `json:"secret"`
	PreviousSecretUntil int64  `json:"previousSecretUntil"`
}

func (s *Server) appRotate(ctx context.Context, c *Caller, _ string, q *rotateReq) (any, error) {
	overlap := app.DefaultOverlap
	if q.OverlapSeconds != nil {
		overlap = time.Duration(min(max(*q.OverlapSeconds, -1), 1<<32)) * time.Second
	}
	a, err := s.svc.AppSettings.RotateSecret(ctx, c.App.ID, q.Secret, overlap)
	if err != nil {
		return nil, err
	}
	return rotateView{Secret: a.Secret, PreviousSecretUntil: a.PreviousUntil.UnixMilli()}, nil
}
