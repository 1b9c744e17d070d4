//go:build integration

package httpapi_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/friend"
)

// frUsers imports users; ids ending in "!" need verification to be added.
func frUsers(env *apitest.Env, ids ...string) {
	env.T.Helper()
	var users []map[string]any
	for _, id := range ids {
		allow := 1
		if strings.HasSuffix(id, "!") {
			id, allow = strings.TrimSuffix(id, "!"), 2
		}
		users = append(users, map[string]any{"userId": id, "friendAllowType": allow})
	}
	env.Call(env.Admin, "/v1/user/importUser", map[string]any{"userData": users}).WantCode(env.T, 200)
}

// frDo calls path as who, wants code and decodes data into v (when not nil).
func frDo(env *apitest.Env, who, path string, body any, code int, v any) apitest.Response {
	env.T.Helper()
	res := env.Call(who, path, body).WantCode(env.T, code)
	if v != nil {
		res.Decode(env.T, v)
	}
	return res
}

func frAdd(env *apitest.Env, from, to string, code int) friend.Added {
	env.T.Helper()
	var out friend.Added
	var v any
	if code == 200 {
		v = &out
	}
	frDo(env, from, "/v1/friendship/addFriend", map[string]any{"fromId": from, "toItem": map[string]any{"toId": to, "remark": "r-" + to}}, code, v)
	return out
}

func frPair(env *apitest.Env, path, from, to string, code int) friend.Friendship {
	env.T.Helper()
	var out friend.Friendship
	var v any
	if code == 200 {
		v = &out
	}
	frDo(env, from, path, map[string]any{"fromId": from, "toId": to}, code, v)
	return out
}

// frTargets lists "user/imei" of every device a command was pushed to.
func frTargets(env *apitest.Env, cmd command.Code) []string {
	var out []string
	for _, p := range env.Pushes.All() {
		if p.Push.Command == cmd {
			for _, d := range p.Push.To {
				out = append(out, d.UserID+"/"+d.IMEI)
			}
		}
	}
	slices.Sort(out)
	return out
}

func frWantTargets(t *testing.T, env *apitest.Env, cmd command.Code, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := frTargets(env, cmd); !slices.Equal(got, want) {
		t.Errorf("command %d pushed to %v, want %v", cmd, got, want)
	}
}

func frOnline(env *apitest.Env, users ...string) {
	for _, u := range users {
		env.SetOnline(u, "gw-1", device.Web, u+"-web") // the calling device in these tests
		env.SetOnline(u, "gw-2", device.IOS, u+"-phone")
	}
}

// frAs is a body acting from a user's web device.
func frAs(from string, body map[string]any) map[string]any {
	body["fromId"], body["clientType"], body["imei"] = from, 1, from+"-web"
	return body
}

func TestFriendAddDirect(t *testing.T) {
	env := apitest.Start(t)
	frUsers(env, "alice", "bob")
	frOnline(env, "alice", "bob")
	var added friend.Added
	frDo(env, "alice", "/v1/friendship/addFriend", frAs("alice", map[string]any{"toItem": map[string]any{"toId": "bob", "remark": "Bobby 🐳"}}), 200, &added)
	if added.Friendship == nil || added.Request != nil || added.Friendship.Status != 1 || added.Friendship.Remark != "Bobby 🐳" {
		t.Fatalf("added = %+v", added)
	}
	frWantTargets(t, env, command.FriendAdd, "alice/alice-phone", "bob/bob-phone", "bob/bob-web")
	back := frPair(env, "/v1/friendship/getRelation", "bob", "alice", 200)
	if back.Status != 1 || back.Sequence == 0 {
		t.Errorf("bob->alice = %+v", back)
	}
	var all []friend.Friendship
	frDo(env, "alice", "/v1/friendship/getAllFriendShip", map[string]any{"fromId": "alice"}, 200, &all)
	if len(all) != 1 || all[0].ToID != "bob" {
		t.Errorf("all = %+v", all)
	}
	tests := []struct {
		name string
		who  string
		body any
		code int
	}{
		{"already friends", "alice", map[string]any{"fromId": "alice", "toItem": map[string]any{"toId": "bob"}}, 4001},
		{"oneself", "alice", map[string]any{"fromId": "alice", "toItem": map[string]any{"toId": "alice"}}, 4007},
		{"unknown target", "alice", map[string]any{"fromId": "alice", "toItem": map[string]any{"toId": "ghost"}}, 3000},
		{"as someone else", "bob", map[string]any{"fromId": "alice", "toItem": map[string]any{"toId": "bob"}}, 2005},
		{"missing toItem", "alice", map[string]any{"fromId": "alice"}, 1002},
		{"missing fromId", "alice", map[string]any{"toItem": map[string]any{"toId": "bob"}}, 1002},
		{"wrong type", "alice", map[string]any{"fromId": "alice", "toItem": map[string]any{"toId": 7}}, 1002},
		{"remark too long", "alice", map[string]any{"fromId": "alice", "toItem": map[string]any{"toId": "bob", "remark": strings.Repeat("x", 129)}}, 1002},
		{"malformed", "alice", `{"fromId": "alice", "toItem": {`, 1001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { env.Call(tt.who, "/v1/friendship/addFriend", tt.body).WantCode(t, tt.code) })
	}
	// An admin may act for a user.
	frUsers(env, "carol")
	frDo(env, env.Admin, "/v1/friendship/addFriend", map[string]any{"fromId": "carol", "toItem": map[string]any{"toId": "bob"}}, 200, nil)
}

// WhaleShark's verification branch sent a request to existing friends and
// answered "already friends" to a deleted friendship.
func TestFriendVerificationBranchInvertedStatus(t *testing.T) {
	env := apitest.Start(t)
	frUsers(env, "alice", "carol!")
	frOnline(env, "alice", "carol")
	first := frAdd(env, "alice", "carol", 200)
	if first.Request == nil || first.Friendship != nil || first.Request.ApproveStatus != 0 {
		t.Fatalf("add to a verifying user = %+v, want a pending request", first)
	}
	frWantTargets(t, env, command.FriendRequest, "alice/alice-phone", "alice/alice-web", "carol/carol-phone", "carol/carol-web")
	frPair(env, "/v1/friendship/getRelation", "alice", "carol", 4000) // not friends yet
	again := frAdd(env, "alice", "carol", 200)                        // re-request refreshes the same row
	if again.Request.ID != first.Request.ID || again.Request.Sequence <= first.Request.Sequence {
		t.Fatalf("re-request = %+v, first %+v", again.Request, first.Request)
	}
	frDo(env, "carol", "/v1/friendshipRequest/approveFriendRequest",
		map[string]any{"id": first.Request.ID, "status": 1, "clientType": 1, "imei": "carol-web"}, 200, nil)
	frWantTargets(t, env, command.FriendRequestApprove, "alice/alice-phone", "alice/alice-web", "carol/carol-phone")
	frWantTargets(t, env, command.FriendAdd, "alice/alice-phone", "alice/alice-web", "carol/carol-phone")
	if f := frPair(env, "/v1/friendship/getRelation", "carol", "alice", 200); f.Status != 1 {
		t.Fatalf("carol->alice = %+v", f)
	}
	frAdd(env, "alice", "carol", 4001) // friends: refused, no request
	// Both delete: the old relation is deleted, so adding asks again.
	frPair(env, "/v1/friendship/deleteFriend", "alice", "carol", 200)
	frPair(env, "/v1/friendship/deleteFriend", "carol", "alice", 200)
	if r := frAdd(env, "alice", "carol", 200); r.Request == nil {
		t.Fatalf("add after delete = %+v, want a request", r)
	}
	// Only alice deleted: carol still has alice, so no approval is needed.
	frUsers(env, "dave!")
	frDo(env, env.Admin, "/v1/friendship/importFriendShip", map[string]any{"fromId": "dave", "friendItem": []map[string]any{{"toId": "alice"}}}, 200, nil)
	if r := frAdd(env, "alice", "dave", 200); r.Friendship == nil {
		t.Fatalf("add back = %+v, want direct", r)
	}
}

func TestFriendUpdateAndDeleteNotifyOnlyOwnOtherDevices(t *testing.T) {
	env := apitest.Start(t)
	frUsers(env, "alice", "bob")
	frAdd(env, "alice", "bob", 200)
	frOnline(env, "alice", "bob")
	var f friend.Friendship
	frDo(env, "alice", "/v1/friendship/updateFriend", frAs("alice", map[string]any{"toItem": map[string]any{"toId": "bob", "remark": "B", "extra": "x"}}), 200, &f)
	if f.Remark != "B" || f.Extra != "x" {
		t.Errorf("updated = %+v", f)
	}
	frWantTargets(t, env, command.FriendUpdate, "alice/alice-phone")
	frDo(env, "alice", "/v1/friendship/deleteFriend", frAs("alice", map[string]any{"toId": "bob"}), 200, &f)
	if f.Status != 2 {
		t.Errorf("deleted = %+v", f)
	}
	// One-sided delete: bob's row and bob's devices are untouched.
	frWantTargets(t, env, command.FriendDelete, "alice/alice-phone")
	if back := frPair(env, "/v1/friendship/getRelation", "bob", "alice", 200); back.Status != 1 {
		t.Errorf("bob->alice = %+v", back)
	}
	frPair(env, "/v1/friendship/deleteFriend", "alice", "bob", 4000)
	frDo(env, "alice", "/v1/friendship/updateFriend", map[string]any{"fromId": "alice", "toItem": map[string]any{"toId": "bob"}}, 4000, nil)
	frPair(env, "/v1/friendship/getRelation", "alice", "nobody", 4000)
}

// WhaleShark's deleteAllFriend changed rows without a sequence: sync never
// saw the deletions.
func TestFriendDeleteAllFriendBumpsSequence(t *testing.T) {
	env := apitest.Start(t)
	frUsers(env, "alice", "b1", "b2", "b3")
	for _, b := range []string{"b1", "b2", "b3"} {
		frAdd(env, "alice", b, 200)
	}
	before := frSync(env, "alice", "/v1/friendship/syncFriendShipList", 0, 100)
	frOnline(env, "alice")
	var res friend.Result
	frDo(env, "alice", "/v1/friendship/deleteAllFriend", frAs("alice", map[string]any{}), 200, &res)
	if strings.Join(res.SuccessID, ",") != "b1,b2,b3" {
		t.Errorf("deleteAll = %+v", res)
	}
	frWantTargets(t, env, command.FriendDeleteAll, "alice/alice-phone")
	after := frSync(env, "alice", "/v1/friendship/syncFriendShipList", before.MaxSequence, 100)
	seqs := map[int64]bool{}
	for _, f := range after.DataList {
		if f.Status != 2 || seqs[f.Sequence] {
			t.Errorf("tombstone %+v (each with its own sequence)", f)
		}
		seqs[f.Sequence] = true
	}
	if len(after.DataList) != 3 || !after.Completed || after.MaxSequence <= before.MaxSequence {
		t.Errorf("sync after deleteAll = %+v", after)
	}
}

func frSync(env *apitest.Env, who, path string, last int64, limit int) friend.Page[friend.Friendship] {
	env.T.Helper()
	var p friend.Page[friend.Friendship]
	frDo(env, who, path, map[string]any{"lastSequence": last, "maxLimit": limit}, 200, &p)
	return p
}
