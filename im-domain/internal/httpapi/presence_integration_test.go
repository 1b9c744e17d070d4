//go:build integration

package httpapi_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/presence"
)

// statusPushes returns the data of every push of cmd to gateway gw for
// user to, in publish order.
func statusPushes(env *apitest.Env, cmd command.Code, gw, to string) []presence.Status {
	var out []presence.Status
	for _, p := range env.Pushes.All() {
		if p.Push.Command != cmd || p.Key != gw || !slices.ContainsFunc(p.Push.To, func(d device.ID) bool { return d.UserID == to }) {
			continue
		}
		var st presence.Status
		if json.Unmarshal(p.Push.Data, &st) == nil {
			out = append(out, st)
		}
	}
	return out
}

// waitStatuses waits until n status pushes of cmd reached to on gw.
func waitStatuses(t *testing.T, env *apitest.Env, cmd command.Code, gw, to string, n int) []presence.Status {
	t.Helper()
	var got []presence.Status
	testwait.Eventually(t, 5*time.Second, func() error {
		if got = statusPushes(env, cmd, gw, to); len(got) < n {
			return fmt.Errorf("%d of %d %v pushes to %s", len(got), n, cmd, to)
		}
		return nil
	})
	return got
}

// TestPresenceSubscriberSeesChanges: a subscriber gets 4004 when the
// user's first device connects and when its last one leaves (not for the
// devices between), with increasing versions; a stranger may not
// subscribe; an admin's force-logout is a change too.
func TestPresenceSubscriberSeesChanges(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("sam", "ola", "eve")
	frAdd(env, "sam", "ola", 200)
	env.SetOnline("sam", "gw-1", device.Web, "s")
	var sub struct{ FailUser []string }
	env.Call("sam", "/v1/user/subscribeUserOnlineStatus", map[string]any{"subUserId": []string{"ola"}, "subTime": 60000}).WantCode(t, 200).Decode(t, &sub)
	if len(sub.FailUser) != 0 {
		t.Fatalf("sam's subscription refused: %v", sub.FailUser)
	}
	env.Call("eve", "/v1/user/subscribeUserOnlineStatus", map[string]any{"subUserId": []string{"ola"}, "subTime": 60000}).WantCode(t, 200).Decode(t, &sub)
	if !slices.Equal(sub.FailUser, []string{"ola"}) {
		t.Errorf("a stranger subscribed: failUser %v", sub.FailUser)
	}
	env.Call("sam", "/v1/user/subscribeUserOnlineStatus", map[string]any{"subUserId": []string{"ola"}, "subTime": 0}).WantCode(t, 1002)

	env.Connect("ola", "gw-2", device.IOS, "o1")
	got := waitStatuses(t, env, command.UserOnlineStatusNotify, "gw-1", "sam", 1)
	if st := got[0]; st.UserID != "ola" || st.Status != presence.StatusOnline || st.Version <= 0 || len(st.Client) != 1 {
		t.Errorf("online notify = %+v", st)
	}
	env.Connect("ola", "gw-1", device.Web, "o2")
	env.Disconnect("ola", device.IOS, "o1")
	env.Disconnect("ola", device.Web, "o2")
	got = waitStatuses(t, env, command.UserOnlineStatusNotify, "gw-1", "sam", 2)
	if len(got) != 2 || got[1].Status != presence.StatusOffline || got[1].Version <= got[0].Version {
		t.Errorf("notifies = %+v, want online then offline with a higher version", got)
	}

	env.Connect("ola", "gw-2", device.IOS, "o1")
	waitStatuses(t, env, command.UserOnlineStatusNotify, "gw-1", "sam", 3)
	env.Call(env.Admin, "/v1/admin/forceLogout", map[string]any{"userId": "ola"}).WantCode(t, 200)
	got = waitStatuses(t, env, command.UserOnlineStatusNotify, "gw-1", "sam", 4)
	if got[3].Status != presence.StatusOffline {
		t.Errorf("after force-logout: %+v", got[3])
	}
	if n := len(statusPushes(env, command.UserOnlineStatusNotify, "gw-1", "eve")) + len(statusPushes(env, command.UserOnlineStatusNotify, "gw-2", "eve")); n != 0 {
		t.Errorf("the stranger got %d notifies", n)
	}
}

// TestPresenceCustomStatusAndQuery: a custom status goes to subscribers
// (4004) and to the user's other devices (4005), not to the device that
// set it; a user queries its friends only, the admin anyone.
func TestPresenceCustomStatusAndQuery(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("sam", "ola", "eve")
	frAdd(env, "sam", "ola", 200)
	env.SetOnline("sam", "gw-1", device.Web, "s")
	env.SetOnline("ola", "gw-1", device.IOS, "o1")
	env.SetOnline("ola", "gw-2", device.Web, "o2")
	env.Call("sam", "/v1/user/subscribeUserOnlineStatus", map[string]any{"subUserId": []string{"ola"}, "subTime": 60000}).WantCode(t, 200)
	env.Call("ola", "/v1/user/setUserCustomerStatus", map[string]any{"userId": "ola", "customText": "in a meeting", "customStatus": 3,
		"clientType": device.IOS, "imei": "o1"}).WantCode(t, 200)
	got := waitStatuses(t, env, command.UserOnlineStatusNotify, "gw-1", "sam", 1)
	if st := got[0]; st.Text != "in a meeting" || st.Status != presence.StatusOnline || len(st.Client) != 2 {
		t.Errorf("custom notify = %+v", st)
	}
	waitStatuses(t, env, command.UserOnlineStatusSync, "gw-2", "ola", 1)
	if n := len(statusPushes(env, command.UserOnlineStatusSync, "gw-1", "ola")); n != 0 {
		t.Errorf("the device that set the status got %d syncs", n)
	}
	env.Call("ola", "/v1/user/setUserCustomerStatus", map[string]any{"userId": "ola", "customText": string(make([]byte, 257))}).WantCode(t, 1002)
	env.Call("eve", "/v1/user/setUserCustomerStatus", map[string]any{"userId": "ola"}).WantCode(t, 2005)

	var q struct {
		Status   []presence.Status
		FailUser []string
	}
	env.Call("sam", "/v1/user/queryUsersStatus", map[string]any{"userIds": []string{"ola", "eve", "sam"}}).WantCode(t, 200).Decode(t, &q)
	if len(q.Status) != 2 || q.Status[0].UserID != "ola" || q.Status[0].Text != "in a meeting" || q.Status[0].Status != presence.StatusOnline ||
		q.Status[1].UserID != "sam" || !slices.Equal(q.FailUser, []string{"eve"}) {
		t.Errorf("sam's query = %+v", q)
	}
	env.Call(env.Admin, "/v1/user/queryUsersStatus", map[string]any{"userIds": []string{"ola", "eve"}}).WantCode(t, 200).Decode(t, &q)
	if len(q.Status) != 2 || q.Status[0].UserID != "eve" || q.Status[0].Status != presence.StatusOffline || len(q.FailUser) != 0 {
		t.Errorf("admin's query = %+v", q)
	}
	env.Call("sam", "/v1/user/queryFriendOnlineStatus", map[string]any{}).WantCode(t, 200).Decode(t, &q)
	if len(q.Status) != 1 || q.Status[0].UserID != "ola" || len(q.Status[0].Client) != 2 {
		t.Errorf("sam's friends = %+v", q.Status)
	}
}
