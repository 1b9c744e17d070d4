//go:build integration

package httpapi_test

import (
	"encoding/json"
	"testing"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
)

// TestForbidAndDeleteDisconnect: forbidding or deleting a user kicks every
// device on every gateway (9002 with the code a login now gets, and close)
// and deletes the sessions, so the user shows offline at once.
func TestForbidAndDeleteDisconnect(t *testing.T) {
	tests := []struct {
		name string
		do   func(env *apitest.Env, user string) apitest.Response
		code errcode.Code
	}{
		{"forbid", func(env *apitest.Env, u string) apitest.Response {
			return env.Call(env.Admin, "/v1/user/data/modifyUserInfo", map[string]any{"userId": u, "forbiddenFlag": 1})
		}, errcode.UserForbidden.Code},
		{"delete", func(env *apitest.Env, u string) apitest.Response {
			return env.Call(env.Admin, "/v1/user/deleteUser", map[string]any{"userId": []string{u}})
		}, errcode.UserNotFound.Code},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := apitest.Start(t)
			env.ImportUsers("fred")
			env.SetOnline("fred", "gw-1", device.IOS, "phone")
			env.SetOnline("fred", "gw-2", device.Web, "browser")
			tt.do(env, "fred").WantCode(t, 200)
			for _, gw := range []string{"gw-1", "gw-2"} {
				p := env.Pushes.Wait(t, func(p apitest.Published) bool {
					return p.Push.Command == command.MutualLogin && p.Key == gw
				})
				var data struct{ Code errcode.Code }
				if err := json.Unmarshal(p.Push.Data, &data); err != nil || !p.Push.Close || data.Code != tt.code || len(p.Push.To) != 1 {
					t.Errorf("kick on %s = %+v (%s), want close with code %d", gw, p.Push, p.Push.Data, tt.code)
				}
			}
			if n, err := env.Redis.Exists(t.Context(), session.Key(env.AppID, "fred")).Result(); err != nil || n != 0 {
				t.Errorf("sessions still there (%d, %v)", n, err)
			}
		})
	}
}
