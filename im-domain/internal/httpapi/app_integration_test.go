//go:build integration

package httpapi_test

import (
	"encoding/json"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/webhook"
)

// appSettings is an AppSettings answer, decoded as a generic client would.
type appSettings map[string]any

func getSettings(t *testing.T, env *apitest.Env) appSettings {
	t.Helper()
	var s appSettings
	env.Call(env.Admin, "/v1/app/getSettings", map[string]any{}).WantCode(t, 200).Decode(t, &s)
	return s
}

// with returns a copy of s with changes (numbers as JSON decodes them).
func (s appSettings) with(changes map[string]any) appSettings {
	out := maps.Clone(s)
	for k, v := range changes {
		b, _ := json.Marshal(v)
		var d any
		_ = json.Unmarshal(b, &d)
		out[k] = d
	}
	return out
}

// TestAppSettings_ChangeEveryField: every setting changes over REST, is
// stored, and the gateways' Redis app hash follows the policy.
func TestAppSettings_ChangeEveryField(t *testing.T) {
	env := apitest.Start(t)
	before := getSettings(t, env)
	defaults := appSettings{"appId": float64(env.AppID), "admins": []any{env.Admin}, "webhookUrl": "", "webhookEvents": []any{},
		"webhookTimeoutMs": 2000.0, "webhookFailOpen": true, "multiDevicePolicy": 3.0, "routeStrategy": 3.0, "recallWindowSeconds": 120.0,
		"editWindowSeconds": 86400.0, "friendOnlySend": false, "blacklistCheckOnSend": true, "maxGroupSize": 500.0, "previousSecretUntil": 0.0}
	if !reflect.DeepEqual(before, defaults) {
		t.Fatalf("defaults:\n%v\nwant\n%v", before, defaults)
	}
	change := map[string]any{
		"webhookUrl": "https://app.example/im-hook", "webhookEvents": []string{webhook.MessageSendAfter, webhook.FriendAddBefore},
		"webhookTimeoutMs": 1500, "webhookFailOpen": false, "multiDevicePolicy": 1, "routeStrategy": 2,
		"recallWindowSeconds": 30, "editWindowSeconds": 600, "friendOnlySend": true, "blacklistCheckOnSend": false, "maxGroupSize": 800,
	}
	var after appSettings
	env.Call(env.Admin, "/v1/app/updateSettings", change).WantCode(t, 200).Decode(t, &after)
	want := defaults.with(change).with(map[string]any{"webhookEvents": []string{webhook.FriendAddBefore, webhook.MessageSendAfter}})
	for name, got := range map[string]appSettings{"update answer": after, "read back": getSettings(t, env)} {
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s =\n%v\nwant\n%v", name, got, want)
		}
	}
	if p, err := env.Redis.HGet(t.Context(), session.AppKey(env.AppID), session.AppFieldPolicy).Result(); err != nil || p != "1" {
		t.Errorf("gateway app hash policy = %q, %v; want 1", p, err)
	}
	// a partial update keeps the rest
	env.Call(env.Admin, "/v1/app/updateSettings", map[string]any{"recallWindowSeconds": 0}).WantCode(t, 200)
	if got, want := getSettings(t, env), want.with(map[string]any{"recallWindowSeconds": 0}); !reflect.DeepEqual(got, want) {
		t.Errorf("after a partial update =\n%v\nwant\n%v", got, want)
	}
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
		{"edit window too long", map[string]any{"editWindowSeconds": 604801}, 1002, "editWindowSeconds"},
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
	if got := getSettings(t, env); !reflect.DeepEqual(got, before) {
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
	if got := getSettings(t, env)["previousSecretUntil"]; got != 0.0 {
		t.Errorf("previousSecretUntil %v after a rotation without overlap", got)
	}
}
