package app

import (
	"strings"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
)

func ptr[T any](v T) *T { return &v }

var events = []string{"friend.add.before", "friend.add.after"}

func TestPatchApply(t *testing.T) {
	tests := []struct {
		name  string
		patch Patch
		check func(Settings) bool
		err   string // "" = valid
	}{
		{"empty changes nothing", Patch{}, func(s Settings) bool { return s.Route == DefaultSettings().Route }, ""},
		{"webhook url", Patch{CallbackURL: ptr("https://app.example/hook")}, func(s Settings) bool { return s.CallbackURL == "https://app.example/hook" }, ""},
		{"webhook off", Patch{CallbackURL: ptr("")}, func(s Settings) bool { return s.CallbackURL == "" }, ""},
		{"relative url", Patch{CallbackURL: ptr("/hook")}, nil, "webhookUrl"},
		{"ftp url", Patch{CallbackURL: ptr("ftp://x/hook")}, nil, "webhookUrl"},
		{"url too long", Patch{CallbackURL: ptr("https://x/" + strings.Repeat("a", MaxCallbackURL))}, nil, "webhookUrl: at most"},
		{"events sorted, deduplicated", Patch{Callbacks: &[]string{"friend.add.after", "friend.add.before", "friend.add.after"}},
			func(s Settings) bool { return strings.Join(s.Callbacks, ",") == "friend.add.after,friend.add.before" }, ""},
		{"unknown event", Patch{Callbacks: &[]string{"friend.add.after", "frend.add"}}, nil, `unknown event "frend.add"`},
		{"timeout", Patch{CallbackTimeout: ptr(5 * time.Second)}, func(s Settings) bool { return s.CallbackTimeout == 5*time.Second }, ""},
		{"timeout too short", Patch{CallbackTimeout: ptr(time.Millisecond)}, nil, "webhookTimeoutMs: 100 to 30000"},
		{"timeout too long", Patch{CallbackTimeout: ptr(time.Minute)}, nil, "webhookTimeoutMs"},
		{"fail closed", Patch{CallbackFailOpen: ptr(false)}, func(s Settings) bool { return !s.CallbackFailOpen }, ""},
		{"policy", Patch{Policy: ptr(device.PolicyOneDevice)}, func(s Settings) bool { return s.Policy == device.PolicyOneDevice }, ""},
		{"policy 0", Patch{Policy: ptr(device.Policy(0))}, nil, "multiDevicePolicy"},
		{"policy 5", Patch{Policy: ptr(device.Policy(5))}, nil, "multiDevicePolicy"},
		{"route", Patch{Route: ptr(RouteRoundRobin)}, func(s Settings) bool { return s.Route == RouteRoundRobin }, ""},
		{"route 4", Patch{Route: ptr(RouteStrategy(4))}, nil, "routeStrategy"},
		{"recall window 0", Patch{RecallWindow: ptr(time.Duration(0))}, func(s Settings) bool { return s.RecallWindow == 0 }, ""},
		{"recall window negative", Patch{RecallWindow: ptr(-time.Second)}, nil, "recallWindowSeconds"},
		{"recall window too long", Patch{RecallWindow: ptr(MaxRecallWindow + time.Second)}, nil, "recallWindowSeconds"},
		{"edit window 1h", Patch{EditWindow: ptr(time.Hour)}, func(s Settings) bool { return s.EditWindow == time.Hour }, ""},
		{"edit window negative", Patch{EditWindow: ptr(-time.Second)}, nil, "editWindowSeconds"},
		{"edit window too long", Patch{EditWindow: ptr(MaxEditWindow + time.Second)}, nil, "editWindowSeconds"},
		{"friend only", Patch{FriendCheckOnSend: ptr(true)}, func(s Settings) bool { return s.FriendCheckOnSend }, ""},
		{"blacklist off", Patch{BlacklistCheckOnSend: ptr(false)}, func(s Settings) bool { return !s.BlacklistCheckOnSend }, ""},
		{"group size", Patch{MaxGroupSize: ptr(2000)}, func(s Settings) bool { return s.MaxGroupSize == 2000 }, ""},
		{"group size 1", Patch{MaxGroupSize: ptr(1)}, nil, "maxGroupSize"},
		{"one bad field refuses all", Patch{FriendCheckOnSend: ptr(true), Route: ptr(RouteStrategy(9))}, nil, "routeStrategy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.patch.Apply(DefaultSettings(), events)
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.err == "" && !tt.check(got):
				t.Fatalf("not applied: %+v", got)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("err %v, want %q", err, tt.err)
			}
		})
	}
}

func TestRotateSecret(t *testing.T) {
	store := &memStore{apps: map[uint32]App{}}
	cache := memCache{}
	s := NewService(store, cache, time.Minute)
	now := time.Now()
	s.now = func() time.Time { return now }
	if err := s.Bootstrap(t.Context(), 1, "configured-secret-0", []string{"admin"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		secret  string
		overlap time.Duration
		err     string
	}{
		{"short", time.Hour, "secret: 16 to 128"},
		{"configured-secret-0", time.Hour, "equal to the current"},
		{"another-secret-012", -time.Second, "overlapSeconds"},
		{"another-secret-012", MaxOverlap + time.Second, "overlapSeconds"},
	} {
		if _, err := s.RotateSecret(t.Context(), 1, bad.secret, bad.overlap); err == nil || !strings.Contains(err.Error(), bad.err) {
			t.Errorf("rotate %q %v: %v, want %q", bad.secret, bad.overlap, err, bad.err)
		}
	}
	a, err := s.RotateSecret(t.Context(), 1, "", time.Hour)
	if err != nil || len(a.Secret) != 32 || a.Previous != "configured-secret-0" || !a.PreviousUntil.Equal(now.Add(time.Hour)) {
		t.Fatalf("rotate = %+v, %v", a, err)
	}
	if got := a.Secrets(now); len(got) != 2 || string(got[1]) != "configured-secret-0" {
		t.Errorf("secrets in the window = %q", got)
	}
	if got := a.Secrets(now.Add(time.Hour)); len(got) != 1 || string(got[0]) != a.Secret {
		t.Errorf("secrets after the window = %q", got)
	}
	if cache[1] != a.Secret {
		t.Errorf("cache holds %q, not the new secret", cache[1])
	}
	// a restart with the same IM_APP_SECRET keeps the rotated secret...
	if err := s.Bootstrap(t.Context(), 1, "configured-secret-0", []string{"admin"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Fresh(t.Context(), 1); got.Secret != a.Secret {
		t.Errorf("restart reverted the rotation to %q", got.Secret)
	}
	// ...and a changed IM_APP_SECRET is applied
	if err := s.Bootstrap(t.Context(), 1, "configured-secret-1", []string{"admin"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Fresh(t.Context(), 1); got.Secret != "configured-secret-1" {
		t.Errorf("changed IM_APP_SECRET not applied: %q", got.Secret)
	}
}

func TestUpdateSavesAndPublishes(t *testing.T) {
	store := &memStore{apps: map[uint32]App{}}
	s := NewService(store, memCache{}, time.Minute)
	if err := s.Bootstrap(t.Context(), 1, "configured-secret-0", []string{"admin"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(t.Context(), 1, Patch{Route: ptr(RouteStrategy(7))}, events); err == nil {
		t.Fatal("invalid patch saved")
	}
	if _, err := s.Update(t.Context(), 1, Patch{RecallWindow: ptr(time.Minute)}, events); err != nil {
		t.Fatal(err)
	}
	a, _ := s.App(t.Context(), 1)
	if a.Settings.RecallWindow != time.Minute || a.Settings.Route != RouteConsistentHash {
		t.Errorf("after update: %+v", a.Settings)
	}
}
