//go:build integration

package httpapi_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/friend"
)

// WhaleShark's getFriendShipMaxSeq bound from_id to the app id, so
// maxSequence was wrong or null.
func TestFriendGetFriendShipMaxSeqBinding(t *testing.T) {
	env := apitest.Start(t)
	frUsers(env, "alice", "bob", "carol", "loner")
	frAdd(env, "alice", "bob", 200)
	frAdd(env, "carol", "bob", 200) // later changes of others must not count for alice
	frPair(env, "/v1/friendship/addBlack", "bob", "carol", 200)
	a := frSync(env, "alice", "/v1/friendship/syncFriendShipList", 0, 100)
	if len(a.DataList) != 1 || a.MaxSequence != a.DataList[0].Sequence || !a.Completed {
		t.Errorf("alice page = %+v", a)
	}
	b := frSync(env, "bob", "/v1/friendship/syncFriendShipList", 0, 1)
	if len(b.DataList) != 1 || b.Completed || b.MaxSequence <= a.MaxSequence {
		t.Errorf("bob first page = %+v", b)
	}
	var seqs map[string]int64
	frDo(env, "bob", "/v1/user/getUserSequence", map[string]any{"userId": "bob"}, 200, &seqs)
	if seqs[friend.ModuleFriends] != b.MaxSequence {
		t.Errorf("getUserSequence %v, sync maxSequence %d", seqs, b.MaxSequence)
	}
	res := frDo(env, "loner", "/v1/friendship/syncFriendShipList", map[string]any{"lastSequence": 0, "maxLimit": 10}, 200, nil)
	if string(res.Data) != `{"maxSequence":0,"completed":true,"dataList":[]}` {
		t.Errorf("empty sync = %s (dataList must be [], not null)", res.Data)
	}
	for _, bad := range []any{map[string]any{"maxLimit": 10}, map[string]any{"lastSequence": -1}, map[string]any{"lastSequence": "x"}, "[]"} {
		env.Call("alice", "/v1/friendship/syncFriendShipList", bad).WantCode(t, 1002)
	}
}

// frModel is what alice's rows should be: to -> "status/black".
type frModel map[string]string

// frApply runs one random operation as alice and records its effect.
func frApply(env *apitest.Env, rng *rand.Rand, m frModel, peers []string) {
	to := peers[rng.IntN(len(peers))]
	cur, ok := m[to]
	switch op := rng.IntN(5); {
	case op == 0 && cur != "1/1" && cur != "1/2":
		if cur == "0/2" || cur == "2/2" {
			frAdd(env, "alice", to, 4008)
			return
		}
		frAdd(env, "alice", to, 200)
		m[to] = "1/1"
	case op == 1 && (cur == "1/1" || cur == "1/2"):
		frPair(env, "/v1/friendship/deleteFriend", "alice", to, 200)
		m[to] = "2/" + cur[2:]
	case op == 2:
		frPair(env, "/v1/friendship/addBlack", "alice", to, 200)
		if !ok {
			cur = "0/1"
		}
		m[to] = cur[:2] + "2"
	case op == 3 && ok && cur[2:] == "2":
		frPair(env, "/v1/friendship/deleteBlack", "alice", to, 200)
		m[to] = cur[:2] + "1"
	case op == 4 && (cur == "1/1" || cur == "1/2"):
		frDo(env, "alice", "/v1/friendship/updateFriend", map[string]any{"fromId": "alice",
			"toItem": map[string]any{"toId": to, "remark": fmt.Sprint(rng.IntN(1000))}}, 200, nil)
	}
}

// frReplay pages alice's sync from last into view and returns the new last.
func frReplay(env *apitest.Env, view frModel, last int64, limit int) int64 {
	env.T.Helper()
	for range 1000 {
		p := frSync(env, "alice", "/v1/friendship/syncFriendShipList", last, limit)
		for _, f := range p.DataList {
			if f.Sequence <= last {
				env.T.Fatalf("sequence %d not above %d", f.Sequence, last)
			}
			last = f.Sequence
			view[f.ToID] = fmt.Sprintf("%d/%d", f.Status, f.Black)
		}
		if p.Completed {
			if last != p.MaxSequence {
				env.T.Fatalf("completed at %d, maxSequence %d", last, p.MaxSequence)
			}
			return last
		}
	}
	env.T.Fatal("sync never completed")
	return 0
}

// Random adds, deletes, blacks, unblocks and remarks, with paged syncs in
// between: applying the pages reconstructs alice's rows each time.
func TestFriendSyncProperty(t *testing.T) {
	env := apitest.Start(t)
	peers := []string{"p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"}
	frUsers(env, append([]string{"alice"}, peers...)...)
	rng := rand.New(rand.NewPCG(1, uint64(env.AppID)))
	t.Logf("seed %d", env.AppID)
	model, view := frModel{}, frModel{}
	var last int64
	for round := range 6 {
		for range 15 {
			frApply(env, rng, model, peers)
		}
		last = frReplay(env, view, last, 1+rng.IntN(4))
		if !maps.Equal(model, view) {
			t.Fatalf("round %d: sync view %v, want %v", round, view, model)
		}
	}
	// A fresh client syncing from 0 gets the same state.
	if fresh := (frModel{}); frReplay(env, fresh, 0, 3) != last || !maps.Equal(fresh, model) {
		t.Fatalf("fresh view %v, want %v", fresh, model)
	}
}

func TestFriendRequestLifecycle(t *testing.T) {
	env := apitest.Start(t)
	frUsers(env, "alice", "bob", "dave!")
	req := frAdd(env, "alice", "dave", 200).Request
	var got []friend.Request
	frDo(env, "dave", "/v1/friendshipRequest/getFriendRequest", map[string]any{"fromId": "dave"}, 200, &got)
	if len(got) != 1 || got[0].ID != req.ID || got[0].ReadStatus != 0 {
		t.Fatalf("received = %+v", got)
	}
	frDo(env, "alice", "/v1/friendshipRequest/getFriendRequestById", map[string]any{"id": req.ID}, 200, nil)
	frDo(env, "bob", "/v1/friendshipRequest/getFriendRequestById", map[string]any{"id": req.ID}, 4003, nil)
	frDo(env, "dave", "/v1/friendshipRequest/getFriendRequestById", map[string]any{"id": 0}, 1002, nil)
	frOnline(env, "dave")
	frDo(env, "dave", "/v1/friendshipRequest/readFriendShipRequestReq", frAs("dave", map[string]any{}), 200, nil)
	frWantTargets(t, env, command.FriendRequestRead, "dave/dave-phone")
	approve := "/v1/friendshipRequest/approveFriendRequest"
	frDo(env, "alice", approve, map[string]any{"id": req.ID, "status": 2}, 4003, nil) // not the recipient
	frDo(env, "dave", approve, map[string]any{"id": req.ID, "status": 3}, 1002, nil)
	frDo(env, "dave", approve, map[string]any{"id": 999999, "status": 1}, 4003, nil)
	var r friend.Request
	frDo(env, "dave", approve, map[string]any{"id": req.ID, "status": 2}, 200, &r)
	if r.ApproveStatus != 2 {
		t.Errorf("rejected = %+v", r)
	}
	frDo(env, "dave", approve, map[string]any{"id": req.ID, "status": 1}, 4004, nil)
	frPair(env, "/v1/friendship/getRelation", "alice", "dave", 4000)
	// Asking again reopens the same row; both sides sync its latest state.
	if again := frAdd(env, "alice", "dave", 200).Request; again.ID != req.ID || again.ApproveStatus != 0 || again.ReadStatus != 0 {
		t.Errorf("re-request = %+v", again)
	}
	for _, who := range []string{"alice", "dave"} {
		var p friend.Page[friend.Request]
		frDo(env, who, "/v1/friendshipRequest/syncFriendShipRequestList", map[string]any{"lastSequence": 0, "maxLimit": 1}, 200, &p)
		if len(p.DataList) != 1 || !p.Completed || p.DataList[0].ID != req.ID || p.DataList[0].ApproveStatus != 0 || p.MaxSequence != p.DataList[0].Sequence {
			t.Errorf("%s request sync = %+v", who, p)
		}
	}
}

func frGroupSync(env *apitest.Env, last int64) friend.Page[friend.Group] {
	env.T.Helper()
	var p friend.Page[friend.Group]
	frDo(env, "alice", "/v1/friendship/group/syncFriendShipGroupList", map[string]any{"lastSequence": last, "maxLimit": 100}, 200, &p)
	return p
}

// WhaleShark keyed friend group members on the group alone: one member.
func TestFriendGroupSingleMemberPK(t *testing.T) {
	env := apitest.Start(t)
	frUsers(env, "alice", "b1", "b2", "b3", "b4", "stranger")
	for _, b := range []string{"b1", "b2", "b3", "b4"} {
		frAdd(env, "alice", b, 200)
	}
	frOnline(env, "alice")
	var g friend.Group
	frDo(env, "alice", "/v1/friendship/group/add", frAs("alice", map[string]any{"groupName": "work", "toIds": []string{"b1", "b2", "stranger"}}), 200, &g)
	if fmt.Sprint(g.ToIDs) != "[b1 b2]" {
		t.Errorf("created = %+v", g)
	}
	frDo(env, "alice", "/v1/friendship/group/add", map[string]any{"fromId": "alice", "groupName": "work"}, 4005, nil)
	var res friend.Result
	frDo(env, "alice", "/v1/friendship/group/member/add", frAs("alice", map[string]any{"groupName": "work", "toIds": []string{"b3", "b4", "stranger"}}), 200, &res)
	if fmt.Sprint(res.SuccessID, res.ErrorID) != "[b3 b4] [stranger]" {
		t.Errorf("member add = %+v", res)
	}
	p := frGroupSync(env, 0)
	if len(p.DataList) != 1 || fmt.Sprint(p.DataList[0].ToIDs) != "[b1 b2 b3 b4]" {
		t.Fatalf("group sync = %+v", p)
	}
	frDo(env, "alice", "/v1/friendship/group/member/del", frAs("alice", map[string]any{"groupName": "work", "toIds": []string{"b1", "b9"}}), 200, &res)
	if fmt.Sprint(res.SuccessID, res.ErrorID) != "[b1] [b9]" {
		t.Errorf("member del = %+v", res)
	}
	frDo(env, "alice", "/v1/friendship/group/member/add", map[string]any{"fromId": "alice", "groupName": "nope", "toIds": []string{"b1"}}, 4006, nil)
	frDo(env, "alice", "/v1/friendship/group/del", map[string]any{"fromId": "alice", "groupName": []string{"work", "nope"}}, 4006, nil)
	frDo(env, "alice", "/v1/friendship/group/del", frAs("alice", map[string]any{"groupName": []string{"work"}}), 200, nil)
	tail := frGroupSync(env, p.MaxSequence)
	if n := len(tail.DataList); n != 1 || tail.DataList[n-1].DelFlag != 1 || len(tail.DataList[n-1].ToIDs) != 0 || !tail.Completed {
		t.Errorf("group sync tail = %+v", tail)
	}
	for _, cmd := range []command.Code{command.FriendGroupAdd, command.FriendGroupMemberAdd, command.FriendGroupMemberDelete, command.FriendGroupDelete} {
		frWantTargets(t, env, cmd, "alice/alice-phone")
	}
	// A deleted group can be created again.
	frDo(env, "alice", "/v1/friendship/group/add", map[string]any{"fromId": "alice", "groupName": "work"}, 200, &g)
	if g.DelFlag != 0 || len(g.ToIDs) != 0 {
		t.Errorf("recreated = %+v", g)
	}
	frDo(env, "alice", "/v1/friendship/group/add", map[string]any{"fromId": "alice"}, 1002, nil)
	frDo(env, "b1", "/v1/friendship/group/add", map[string]any{"fromId": "alice", "groupName": "x"}, 2005, nil)
}
