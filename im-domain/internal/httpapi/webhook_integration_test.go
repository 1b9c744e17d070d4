//go:build integration

package httpapi_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/friend"
	"github.com/whaleim/whaleim/im-domain/internal/group"
	"github.com/whaleim/whaleim/im-domain/internal/webhook"
)

// verified checks a received callback's signature as an app server would.
func verified(t *testing.T, env *apitest.Env, h apitest.Hook) {
	t.Helper()
	err := webhook.Verify(env.Secret, h.Header.Get(webhook.HeaderTimestamp), h.Header.Get(webhook.HeaderSignature), h.Body, time.Now())
	if err != nil {
		t.Fatalf("%s: signature does not verify: %v", h.Event, err)
	}
	if h.Header.Get(webhook.HeaderEvent) != h.Event || h.Header.Get(webhook.HeaderDeliveryID) == "" {
		t.Fatalf("%s: headers %v", h.Event, h.Header)
	}
}

func TestWebhook_FriendAddVetoThenAfterCallback(t *testing.T) {
	hooks := apitest.StartHooks(t)
	env := apitest.Start(t, hooks.Enable(webhook.FriendAddBefore, webhook.FriendAddAfter))
	frUsers(env, "alice", "bob")
	hooks.Reply(webhook.FriendAddBefore, map[string]any{"code": 4001, "msg": "not today"})

	res := env.Call("alice", "/v1/friendship/addFriend", map[string]any{"fromId": "alice", "toItem": map[string]any{"toId": "bob"}}).WantCode(t, 9003)
	if res.Status != 403 {
		t.Fatalf("veto HTTP status %d, want 403", res.Status)
	}
	var rows []friend.Friendship
	frDo(env, "alice", "/v1/friendship/getAllFriendShip", map[string]any{"fromId": "alice"}, 200, &rows)
	if len(rows) != 0 || len(env.Pushes.All()) != 0 {
		t.Fatalf("vetoed add changed something: rows %+v, pushes %d", rows, len(env.Pushes.All()))
	}
	var before struct {
		FromID string      `json:"fromId"`
		ToItem friend.Item `json:"toItem"`
	}
	h := hooks.Wait(t, webhook.FriendAddBefore)
	verified(t, env, h)
	if err := json.Unmarshal(h.Body, &before); err != nil || before.FromID != "alice" || before.ToItem.ToID != "bob" {
		t.Fatalf("before payload %s (%v)", h.Body, err)
	}

	hooks.Reply(webhook.FriendAddBefore, map[string]any{"code": 200})
	frAdd(env, "alice", "bob", 200)
	h = hooks.Wait(t, webhook.FriendAddAfter)
	verified(t, env, h)
	if err := json.Unmarshal(h.Body, &before); err != nil || before.FromID != "alice" || before.ToItem.ToID != "bob" {
		t.Fatalf("after payload %s (%v)", h.Body, err)
	}
}

// TestWebhook_DisabledCallbacksAreNotCalled: only enabled events go out.
func TestWebhook_DisabledCallbacksAreNotCalled(t *testing.T) {
	hooks := apitest.StartHooks(t)
	env := apitest.Start(t, hooks.Enable(webhook.FriendDeleteAfter))
	frUsers(env, "alice", "bob")
	frAdd(env, "alice", "bob", 200)
	frPair(env, "/v1/friendship/deleteFriend", "alice", "bob", 200)
	hooks.Wait(t, webhook.FriendDeleteAfter)
	if n := len(hooks.All()); n != 1 {
		t.Fatalf("got %d callbacks, want only friend.delete.after", n)
	}
}

func TestWebhook_FriendAfterCallbacks(t *testing.T) {
	events := []string{webhook.FriendUpdateAfter, webhook.FriendDeleteAfter, webhook.BlackAddAfter, webhook.BlackDeleteAfter}
	hooks := apitest.StartHooks(t)
	env := apitest.Start(t, hooks.Enable(events...))
	frUsers(env, "alice", "bob")
	frAdd(env, "alice", "bob", 200)
	frDo(env, "alice", "/v1/friendship/updateFriend", map[string]any{"fromId": "alice", "toItem": map[string]any{"toId": "bob", "remark": "b"}}, 200, nil)
	frPair(env, "/v1/friendship/addBlack", "alice", "bob", 200)
	frPair(env, "/v1/friendship/deleteBlack", "alice", "bob", 200)
	frPair(env, "/v1/friendship/deleteFriend", "alice", "bob", 200)
	for _, ev := range events {
		h := hooks.Wait(t, ev)
		verified(t, env, h)
		var p struct {
			FromID string `json:"fromId"`
		}
		if err := json.Unmarshal(h.Body, &p); err != nil || p.FromID != "alice" {
			t.Errorf("%s payload %s", ev, h.Body)
		}
	}
}

func TestWebhook_GroupMemberAddRewrite(t *testing.T) {
	hooks := apitest.StartHooks(t)
	env := apitest.Start(t, hooks.Enable(webhook.GroupMemberAddBefore, webhook.GroupMemberAddAfter))
	env.ImportUsers("alice", "bob", "carol", "dave", "erin", "frank")
	gid := createGroup(t, env, "alice", map[string]any{"groupType": 1, "groupName": "g"}).ID
	add := func(as string, ids ...string) apitest.Response {
		return env.Call(as, "/v1/group/member/add", map[string]any{"groupId": gid, "members": ids})
	}

	// The app replaces bob+dave with carol (plain ids).
	hooks.Reply(webhook.GroupMemberAddBefore, map[string]any{"code": 200, "data": []string{"carol"}})
	var res []group.AddResult
	add("alice", "bob", "dave").WantCode(t, 200).Decode(t, &res)
	if len(res) != 1 || res[0].MemberID != "carol" || res[0].Result != group.AddOK {
		t.Fatalf("rewritten add = %+v", res)
	}
	var before struct {
		GroupID string   `json:"groupId"`
		Members []string `json:"members"`
	}
	h := hooks.Wait(t, webhook.GroupMemberAddBefore)
	if err := json.Unmarshal(h.Body, &before); err != nil || before.GroupID != gid || !slices.Equal(before.Members, []string{"bob", "dave"}) {
		t.Fatalf("before payload %s", h.Body)
	}
	after := hooks.Wait(t, webhook.GroupMemberAddAfter)
	verified(t, env, after)
	if err := json.Unmarshal(after.Body, &before); err != nil || !slices.Equal(before.Members, []string{"carol"}) {
		t.Fatalf("after payload %s", after.Body)
	}

	// WhaleShark's GroupMemberDto form; an empty list adds nobody.
	hooks.Reply(webhook.GroupMemberAddBefore, map[string]any{"code": 200, "data": []map[string]any{{"memberId": "erin"}}})
	add("carol", "frank").WantCode(t, 200)
	hooks.Reply(webhook.GroupMemberAddBefore, map[string]any{"code": 200, "data": []string{}})
	add("alice", "frank").WantCode(t, 200).Decode(t, &res)
	// A veto changes nothing; a rewrite naming an unknown user is refused.
	hooks.Reply(webhook.GroupMemberAddBefore, map[string]any{"code": 403, "msg": "closed"})
	add("alice", "frank").WantCode(t, 9003)
	hooks.Reply(webhook.GroupMemberAddBefore, map[string]any{"code": 200, "data": []string{"ghost"}})
	add("alice", "frank").WantCode(t, 3000)
	// A caller who may not add never reaches the app.
	calls := hooks.Count(webhook.GroupMemberAddBefore)
	add("bob", "frank").WantCode(t, 5003)
	if n := hooks.Count(webhook.GroupMemberAddBefore); n != calls {
		t.Fatalf("a non-member's add reached the before-callback")
	}
	roles := memberRoles(t, env, gid)
	if len(roles) != 3 || roles["carol"] != group.RoleMember || roles["erin"] != group.RoleMember {
		t.Fatalf("members = %v, want alice, carol, erin", roles)
	}
	if len(res) != 0 {
		t.Fatalf("empty rewrite added %+v", res)
	}
}

func TestWebhook_GroupAfterCallbacks(t *testing.T) {
	events := []string{webhook.GroupCreateAfter, webhook.GroupUpdateAfter, webhook.GroupMemberUpdateAfter,
		webhook.GroupMemberDeleteAfter, webhook.GroupTransferAfter, webhook.GroupDestroyAfter}
	hooks := apitest.StartHooks(t)
	env := apitest.Start(t, hooks.Enable(events...))
	env.ImportUsers("alice", "bob", "carol")
	gid := createGroup(t, env, "alice", map[string]any{"groupType": 2, "groupName": "g",
		"member": []map[string]any{{"memberId": "bob"}, {"memberId": "carol"}}}).ID
	call := func(path string, body map[string]any) {
		body["groupId"] = gid
		env.Call("alice", path, body).WantCode(t, 200)
	}
	call("/v1/group/update", map[string]any{"groupName": "g2"})
	call("/v1/group/member/update", map[string]any{"memberId": "bob", "role": 1})
	call("/v1/group/member/remove", map[string]any{"memberId": "carol"})
	call("/v1/group/transferGroup", map[string]any{"ownerId": "bob"})
	env.Call("bob", "/v1/group/destroyGroup", map[string]any{"groupId": gid}).WantCode(t, 200)
	for _, ev := range events {
		h := hooks.Wait(t, ev)
		verified(t, env, h)
		var p struct {
			GroupID string `json:"groupId"`
		}
		if err := json.Unmarshal(h.Body, &p); err != nil || p.GroupID != gid {
			t.Errorf("%s payload %s", ev, h.Body)
		}
	}
}

func TestWebhook_MessageSendVetoAndAfter(t *testing.T) {
	hooks := apitest.StartHooks(t)
	env := apitest.Start(t, hooks.Enable(webhook.MessageSendBefore, webhook.MessageSendAfter,
		webhook.GroupMessageSendBefore, webhook.GroupMessageSendAfter))
	env.ImportUsers("alice", "bob")
	send := map[string]any{"fromId": "alice", "toId": "bob", "messageId": "m1", "messageBody": "hi"}

	hooks.Reply(webhook.MessageSendBefore, map[string]any{"code": 451, "msg": "banned word"})
	env.Call(env.Admin, "/v1/message/send", send).WantCode(t, 9003)
	if n := storeRecords(env); n != 0 {
		t.Fatalf("vetoed send published %d store records", n)
	}
	if n := hooks.Count(webhook.MessageSendAfter); n != 0 {
		t.Fatalf("vetoed send called message.send.after")
	}

	// The veto released the dedup claim: the same messageId is judged again.
	hooks.Reply(webhook.MessageSendBefore, map[string]any{"code": 200})
	var ack struct {
		MessageKey      int64 `json:"messageKey"`
		MessageSequence int64 `json:"messageSequence"`
	}
	env.Call(env.Admin, "/v1/message/send", send).WantCode(t, 200).Decode(t, &ack)
	h := hooks.Wait(t, webhook.MessageSendAfter)
	verified(t, env, h)
	var m mq.Message
	if err := json.Unmarshal(h.Body, &m); err != nil || m.MessageKey != ack.MessageKey || m.Seq != ack.MessageSequence || m.Body != "hi" {
		t.Fatalf("after payload %s, ack %+v", h.Body, ack)
	}

	// Group sends use the group events.
	gid := createGroup(t, env, "alice", map[string]any{"groupType": 1, "groupName": "g", "member": []map[string]any{{"memberId": "bob"}}}).ID
	hooks.Reply(webhook.GroupMessageSendBefore, map[string]any{"code": 500, "msg": "no"})
	gsend := map[string]any{"fromId": "alice", "groupId": gid, "messageId": "g1", "messageBody": "all"}
	env.Call(env.Admin, "/v1/message/send", gsend).WantCode(t, 9003)
	hooks.Reply(webhook.GroupMessageSendBefore, map[string]any{"code": 200})
	env.Call(env.Admin, "/v1/message/send", gsend).WantCode(t, 200)
	verified(t, env, hooks.Wait(t, webhook.GroupMessageSendAfter))
	if n := storeRecords(env); n != 2 {
		t.Fatalf("store records = %d, want 2 (one per accepted send)", n)
	}
}
