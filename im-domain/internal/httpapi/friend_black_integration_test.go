//go:build integration

package httpapi_test

import (
	"fmt"
	"testing"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/friend"
)

// WhaleShark generated a sequence for addBlack on an existing row but saved
// it only on insert.
func TestFriendAddBlackBumpsSequence(t *testing.T) {
	env := apitest.Start(t)
	frUsers(env, "alice", "bob", "eve")
	frAdd(env, "alice", "bob", 200)
	before := frPair(env, "/v1/friendship/getRelation", "alice", "bob", 200)
	frOnline(env, "alice", "bob")
	var f friend.Friendship
	frDo(env, "alice", "/v1/friendship/addBlack", frAs("alice", map[string]any{"toId": "bob"}), 200, &f)
	if f.Black != 2 || f.Status != 1 || f.Sequence <= before.Sequence {
		t.Fatalf("blocked = %+v, before %+v", f, before)
	}
	frWantTargets(t, env, command.FriendBlackAdd, "alice/alice-phone")
	page := frSync(env, "alice", "/v1/friendship/syncFriendShipList", before.Sequence, 100)
	if len(page.DataList) != 1 || page.DataList[0].Black != 2 {
		t.Errorf("sync after addBlack = %+v", page)
	}
	// Blocking someone never befriended makes a status-0 row.
	if f := frPair(env, "/v1/friendship/addBlack", "alice", "eve", 200); f.Status != 0 || f.Black != 2 {
		t.Errorf("block stranger = %+v", f)
	}
	frAdd(env, "alice", "eve", 4008) // alice blocked eve
	frAdd(env, "eve", "alice", 4002) // eve is blocked by alice
	frPair(env, "/v1/friendship/addBlack", "alice", "ghost", 3000)
	frPair(env, "/v1/friendship/addBlack", "alice", "alice", 1000)
	var all []friend.Friendship
	frDo(env, "alice", "/v1/friendship/getAllFriendShip", map[string]any{"fromId": "alice"}, 200, &all)
	if len(all) != 2 {
		t.Errorf("all = %+v (friend bob blocked, stranger eve blocked)", all)
	}
	f = frPair(env, "/v1/friendship/deleteBlack", "alice", "bob", 200)
	if f.Black != 1 || f.Status != 1 {
		t.Errorf("unblocked = %+v", f)
	}
	frWantTargets(t, env, command.FriendBlackDelete, "alice/alice-phone", "alice/alice-web") // no calling device given
}

// WhaleShark's deleteBlack dereferenced a missing row.
func TestFriendDeleteBlackWithoutRowIsClearError(t *testing.T) {
	env := apitest.Start(t)
	frUsers(env, "alice", "bob")
	res := env.Call("alice", "/v1/friendship/deleteBlack", map[string]any{"fromId": "alice", "toId": "bob"}).WantCode(t, 4009)
	if res.Status != 409 {
		t.Errorf("HTTP %d", res.Status)
	}
	frAdd(env, "alice", "bob", 200)
	frPair(env, "/v1/friendship/deleteBlack", "alice", "bob", 4009) // a row, but no block
}

// frCheck returns the statuses of a check, in toIds order.
func frCheck(env *apitest.Env, path, from string, kind int, to ...string) []int {
	env.T.Helper()
	var res []friend.CheckResult
	frDo(env, from, path, map[string]any{"fromId": from, "toIds": to, "checkType": kind}, 200, &res)
	out := make([]int, len(res))
	for i, r := range res {
		if r.FromID != from || r.ToID != to[i] {
			env.T.Errorf("check line %+v", r)
		}
		out[i] = r.Status
	}
	return out
}

// WhaleShark's "both" check SQL lacked an AND and failed on every call.
func TestFriendCheckBothWays(t *testing.T) {
	env := apitest.Start(t)
	frUsers(env, "alice", "both", "mine", "theirs", "none")
	frAdd(env, "alice", "both", 200)
	frAdd(env, "alice", "mine", 200)
	frPair(env, "/v1/friendship/deleteFriend", "mine", "alice", 200)
	frAdd(env, "theirs", "alice", 200)
	frPair(env, "/v1/friendship/deleteFriend", "alice", "theirs", 200)
	path := "/v1/friendship/checkFriend"
	if got := fmt.Sprint(frCheck(env, path, "alice", 2, "both", "mine", "theirs", "none")); got != "[1 2 3 4]" {
		t.Errorf("both = %s", got)
	}
	if got := fmt.Sprint(frCheck(env, path, "alice", 1, "both", "mine", "theirs", "none")); got != "[1 1 0 0]" {
		t.Errorf("single = %s", got)
	}
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprint("u", i)
	}
	frDo(env, "alice", path, map[string]any{"fromId": "alice", "toIds": many, "checkType": 1}, 1003, nil)
	frDo(env, "alice", path, map[string]any{"fromId": "alice", "toIds": []string{"both"}, "checkType": 3}, 1002, nil)
	frDo(env, "alice", path, map[string]any{"fromId": "alice", "toIds": []string{}, "checkType": 1}, 1002, nil)
	frDo(env, "mine", path, map[string]any{"fromId": "alice", "toIds": []string{"both"}, "checkType": 1}, 2005, nil)
}

// WhaleShark's black check selected a column into a DTO field that did not
// exist; here the numbers mean "has blacklisted".
func TestFriendCheckBlackMapping(t *testing.T) {
	env := apitest.Start(t)
	frUsers(env, "alice", "both", "mine", "theirs", "none")
	frPair(env, "/v1/friendship/addBlack", "alice", "both", 200)
	frPair(env, "/v1/friendship/addBlack", "both", "alice", 200)
	frPair(env, "/v1/friendship/addBlack", "alice", "mine", 200)
	frPair(env, "/v1/friendship/addBlack", "theirs", "alice", 200)
	for _, path := range []string{"/v1/friendship/checkBlck", "/v1/friendship/checkBlack"} {
		if got := fmt.Sprint(frCheck(env, path, "alice", 2, "both", "mine", "theirs", "none")); got != "[1 2 3 4]" {
			t.Errorf("%s both = %s", path, got)
		}
		if got := fmt.Sprint(frCheck(env, path, "alice", 1, "both", "mine", "theirs", "none")); got != "[1 1 0 0]" {
			t.Errorf("%s single = %s", path, got)
		}
	}
}

func TestFriendImport(t *testing.T) {
	env := apitest.Start(t)
	frUsers(env, "alice", "bob", "carol")
	body := map[string]any{"fromId": "alice", "friendItem": []map[string]any{
		{"toId": "bob", "remark": "B"}, {"toId": "carol", "black": 2}, {"toId": "ghost"}}}
	frDo(env, "alice", "/v1/friendship/importFriendShip", body, 2006, nil) // admin only
	var res friend.Result
	frDo(env, env.Admin, "/v1/friendship/importFriendShip", body, 200, &res)
	if fmt.Sprint(res.SuccessID, res.ErrorID) != "[bob carol] [ghost]" {
		t.Errorf("import = %+v", res)
	}
	page := frSync(env, "alice", "/v1/friendship/syncFriendshipList", 0, 0)
	if len(page.DataList) != 2 || page.DataList[1].Black != 2 || page.DataList[0].Sequence == 0 {
		t.Errorf("imported rows must sync: %+v", page)
	}
	many := make([]map[string]any, 101)
	for i := range many {
		many[i] = map[string]any{"toId": fmt.Sprint("u", i)}
	}
	frDo(env, env.Admin, "/v1/friendship/importFriendShip", map[string]any{"fromId": "alice", "friendItem": many}, 1003, nil)
	frDo(env, env.Admin, "/v1/friendship/importFriendShip", map[string]any{"fromId": "alice", "friendItem": []map[string]any{{"toId": "bob", "status": 7}}}, 1002, nil)
	frDo(env, env.Admin, "/v1/friendship/importFriendShip", map[string]any{"fromId": "ghost", "friendItem": []map[string]any{{"toId": "bob"}}}, 3000, nil)
	if again := frSync(env, "alice", "/v1/friendship/syncFriendshipList", 0, 0); len(again.DataList) != 2 {
		t.Errorf("a refused import changed rows: %+v", again)
	}
}
