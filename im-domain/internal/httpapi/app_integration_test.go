//go:build integration

package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/webhook"
)

// appSettings mirrors the AppSettings schema.
type appSettings struct {
	AppID                uint32   `json:"appId"`
	Admins               []string `json:"admins"`
	WebhookURL           string   `json:"webhookUrl"`
	WebhookEvents        []string `json:"webhookEvents"`
	WebhookTimeoutMs     int64    `json:"webhookTimeoutMs"`
	WebhookFailOpen      bool     `json:"webhookFailOpen"`
	MultiDevicePolicy    int      `json:"multiDevicePolicy"`
	RouteStrategy        int      `json:"routeStrategy"`
	RecallWindowSeconds  int64    `json:"recallWindowSeconds"`
	FriendOnlySend       bool     `json:"friendOnlySend"`
	BlacklistCheckOnSend bool     `json:"blacklistCheckOnSend"`
	MaxGroupSize         int      `json:"maxGroupSize"`
	PreviousSecretUntil  int64    `json:"previousSecretUntil"`
}

func getSettings(t *testing.T, env *apitest.Env) appSettings {
	t.Helper()
	var s appSettings
	env.Call(env.Admin, "/v1/app/getSettings", map[string]any{}).WantCode(t, 200).Decode(t, &s)
	return s
}

// TestAppSettings_ChangeEveryField: every setting changes over REST, is
// stored, and the gateways' Redis app hash follows the policy.
func TestAppSettings_ChangeEveryField(t *testing.T) {
	env := apitest.Start(t)
	before := getSettings(t, env)
	if before.AppID != env.AppID || before.MultiDevicePolicy != 3 || before.RouteStrategy != 3 || before.RecallWindowSeconds != 120 ||
		before.WebhookURL != "" || len(before.WebhookEvents) != 0 || before.Admins[0] != env.Admin {
		t.Fatalf("defaults: %+v", before)
	}
	var after appSettings
	env.Call(env.Admin, "/v1/app/updateSettings", map[string]any{
		"webhookUrl": "https://app.example/im-hook", "webhookEvents": []string{webhook.MessageSendAfter, webhook.FriendAddBefore},
		"webhookTimeoutMs": 1500, "webhookFailOpen": false, "multiDevicePolicy": 1, "routeStrategy": 2,
		"recallWindowSeconds": 30, "friendOnlySend": true, "blacklistCheckOnSend": false, "maxGroupSize": 800,
	}).WantCode(t, 200).Decode(t, &after)
	want := appSettings{AppID: env.AppID, Admins: before.Admins, WebhookURL: "https://app.example/im-hook",
		WebhookEvents: []string{webhook.FriendAddBefore, webhook.MessageSendAfter}, WebhookTimeoutMs: 1500,
		MultiDevicePolicy: 1, RouteStrategy: 2, RecallWindowSeconds: 30, FriendOnlySend: true, MaxGroupSize: 800}
	for name, got := range map[string]appSettings{"update answer": after, "read back": getSettings(t, env)} {
		if !sameSettings(got, want) {
			t.Errorf("%s = %+v, want %+v", name, got, want)
		}
	}
	if p, err := env.Redis.HGet(t.Context(), session.AppKey(env.AppID), session.AppFieldPolicy).Result(); err != nil || p != "1" {
		t.Errorf("gateway app hash policy = %q, %v; want 1", p, err)
	}
	// a partial update keeps the rest
	env.Call(env.Admin, "/v1/app/updateSettings", map[string]any{"recallWindowSeconds": 0}).WantCode(t, 200)
	want.RecallWindowSeconds = 0
	if got := getSettings(t, env); !sameSettings(got, want) {
		t.Errorf("after a partial update = %+v, want %+v", got, want)
	}
}

func sameSettings(a, b appSettings) bool {
	return strings.Join(a.WebhookEvents, ",") == strings.Join(b.WebhookEvents, ",") && strings.Join(a.Admins, ",") == strings.Join(b.Admins, ",") &&
		a.AppID == b.AppID && a.WebhookURL == b.WebhookURL && a.WebhookTimeoutMs == b.WebhookTimeoutMs && a.WebhookFailOpen == b.WebhookFailOpen &&
		a.MultiDevicePolicy == b.MultiDevicePolicy && a.RouteStrategy == b.RouteStrategy && a.RecallWindowSeconds == b.RecallWindowSeconds &&
		a.FriendOnlySend == b.FriendOnlySend && a.BlacklistCheckOnSend == b.BlacklistCheckOnSend && a.MaxGroupSize == b.MaxGroupSize
}

// TestAppSettings_Refusals: each invalid field is refused with 1002 naming
// it, and nothing changes; a non-admin may neither read nor change.
func TestAppSettings_Refusals(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("alice")
	before := getSettings(t, env)
	tests := []struct {
		name string
		body any
		code int
		msg  string
	}{
		{"nothing to change", map[string]any{"webhookUri": "typo"}, 1002, "no setting to change"},
		{"relative url", map[string]any{"webhookUrl": "hook"}, 1002, "webhookUrl"},
		{"unknown event", map[string]any{"webhookEvents": []string{"friend.add"}}, 1002, `unknown event "friend.add"`},
		{"timeout 0", map[string]any{"webhookTimeoutMs": 0}, 1002, "webhookTimeoutMs"},
		{"policy 300", map[string]any{"multiDevicePolicy": 300}, 1002, "multiDevicePolicy"},
		{"policy 260 (4 after a byte cast)", map[string]any{"multiDevicePolicy": 260}, 1002, "multiDevicePolicy"},
		{"route 0", map[string]any{"routeStrategy": 0}, 1002, "routeStrategy"},
		{"recall negative", map[string]any{"recallWindowSeconds": -5}, 1002, "recallWindowSeconds"},
		{"group size 1", map[string]any{"maxGroupSize": 1}, 1002, "maxGroupSize"},
		{"wrong type", map[string]any{"friendOnlySend": "yes"}, 1002, "friendOnlySend: wrong type"},
		{"valid and invalid together", map[string]any{"friendOnlySend": true, "routeStrategy": 9}, 1002, "routeStrategy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.Call(env.Admin, "/v1/app/updateSettings", tt.body).WantCode(t, tt.code)
			if !strings.Contains(r.Msg, tt.msg) || r.Status != 400 {
				t.Errorf("msg %q (HTTP %d), want %q", r.Msg, r.Status, tt.msg)
			}
		})
	}
	if got := getSettings(t, env); !sameSettings(got, before) {
		t.Errorf("refused updates changed the settings: %+v, was %+v", got, before)
	}
	for _, path := range []string{"/v1/app/getSettings", "/v1/app/updateSettings", "/v1/app/rotateSecret"} {
		env.Call("alice", path, map[string]any{"friendOnlySend": true}).WantCode(t, 2006)
	}
}

// TestAppSettings_WebhooksSwitchedOnOverREST: webhooks are off until the
// admin switches them on through REST; the next action calls the hook.
func TestAppSettings_WebhooksSwitchedOnOverREST(t *testing.T) {
	hooks := apitest.StartHooks(t)
	env := apitest.Start(t)
	frUsers(env, "alice", "bob", "carol")
	frAdd(env, "alice", "bob", 200)
	env.Call(env.Admin, "/v1/app/updateSettings", map[string]any{"webhookUrl": hooks.URL,
		"webhookEvents": []string{webhook.FriendAddAfter}}).WantCode(t, 200)
	frAdd(env, "alice", "carol", 200)
	h := hooks.Wait(t, webhook.FriendAddAfter)
	verified(t, env, h)
	if n := len(hooks.All()); n != 1 || !strings.Contains(string(h.Body), "carol") {
		t.Fatalf("%d callbacks, body %s: want only the add made after the switch", n, h.Body)
	}
}

// TestAppRotateSecret: after a rotation both secrets sign during the
// overlap; a rotation with overlap 0 revokes the replaced one at once.
func TestAppRotateSecret(t *testing.T) {
	env := apitest.Start(t)
	old := env.Secret
	var rot struct {
		Secret              string `json:"secret"`
		PreviousSecretUntil int64  `json:"previousSecretUntil"`
	}
	env.Call(env.Admin, "/v1/app/rotateSecret", map[string]any{"overlapSeconds": 3600}).WantCode(t, 200).Decode(t, &rot)
	if len(rot.Secret) != 32 || rot.Secret == old || time.Until(time.UnixMilli(rot.PreviousSecretUntil)).Round(time.Minute) != time.Hour {
		t.Fatalf("rotation answer %+v", rot)
	}
	if s, _ := env.Redis.HGet(t.Context(), session.AppKey(env.AppID), session.AppFieldPrevSecret).Result(); s != old {
		t.Errorf("gateway app hash prevSecret = %q, want the old secret", s)
	}
	for name, secret := range map[string]string{"old": old, "new": rot.Secret} {
		env.Secret = secret
		if r := env.Call(env.Admin, "/v1/app/getSettings", map[string]any{}); r.Code != 200 {
			t.Errorf("%s secret in the overlap: code %d %s", name, r.Code, r.Msg)
		}
	}
	env.Secret = rot.Secret
	env.Call(env.Admin, "/v1/app/rotateSecret", map[string]any{"secret": "short"}).WantCode(t, 1002)
	env.Call(env.Admin, "/v1/app/rotateSecret", map[string]any{"secret": rot.Secret}).WantCode(t, 1002)
	env.Call(env.Admin, "/v1/app/rotateSecret", map[string]any{"overlapSeconds": -1}).WantCode(t, 1002)
	chosen := "chosen-secret-0123456789"
	env.Call(env.Admin, "/v1/app/rotateSecret", map[string]any{"secret": chosen, "overlapSeconds": 0}).WantCode(t, 200)
	env.Secret = rot.Secret
	env.Call(env.Admin, "/v1/app/getSettings", map[string]any{}).WantCode(t, 2002)
	env.Secret = chosen
	if got := getSettings(t, env); got.PreviousSecretUntil != 0 {
		t.Errorf("previousSecretUntil %d after a rotation without overlap", got.PreviousSecretUntil)
	}
}
