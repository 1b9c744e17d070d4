//go:build integration

package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/domain"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/user"
)

// x2 has a profile, a friend, a group, a message and conversations. Signs
// for "x2 " (no id at all) and "X2" (another, unknown user) read and change
// nothing of it; under utf8mb4_unicode_ci both were x2. A send to group
// "F2-G3" (the group is f2-g3) is refused instead of up-ACKed.
func TestLookalikeIdentitiesReadNothingOfX2(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("x2", "y2")
	env.Call("x2", "/v1/friendship/addFriend", map[string]any{"fromId": "x2", "toItem": map[string]any{"toId": "y2"}}).WantCode(t, 200)
	env.Call("x2", "/v1/group/createGroup", map[string]any{"groupId": "f2-g3", "groupType": 1, "groupName": "g",
		"member": []map[string]any{{"memberId": "y2"}}}).WantCode(t, 200)
	env.Call(env.Admin, "/v1/message/send", map[string]any{"fromId": "y2", "toId": "x2", "messageId": "m1", "messageBody": "for x2"}).WantCode(t, 200)
	env.Call(env.Admin, "/v1/message/send", map[string]any{"fromId": "x2", "groupId": "F2-G3", "messageId": "m2", "messageBody": "lost?"}).WantCode(t, 5000)

	conv := mq.P2PConversation("x2", "y2")
	reads := []struct{ path, as string }{
		{"/v1/user/getUserSequence", `{"userId":"%s"}`},
		{"/v1/friendship/getAllFriendShip", `{"fromId":"%s"}`},
		{"/v1/conversation/getConversationList", `{"fromId":"%s"}`},
		{"/v1/group/getJoinedGroup", `{"memberId":"%s"}`},
		{"/v1/message/getMaxSequences", `{"userId":"%s"}`},
		{"/v1/message/pull", `{"userId":"%s","conversationId":"` + conv + `"}`},
		{"/v1/user/data/modifyUserInfo", `{"userId":"%s","nickName":"pwned"}`},
	}
	for _, r := range reads[:5] { // the data is there for x2 itself
		if got := env.Call("x2", r.path, json.RawMessage(fmt.Sprintf(r.as, "x2"))); !leaked(got) {
			t.Fatalf("x2 %s: code %d data %s: nothing to protect", r.path, got.Code, got.Data)
		}
	}
	for _, r := range reads {
		if got := env.Call("x2 ", r.path, json.RawMessage(fmt.Sprintf(r.as, "x2 "))); got.Code != 2000 || got.Status != 401 {
			t.Errorf(`"x2 " %s: code %d HTTP %d, want 2000 / 401`, r.path, got.Code, got.Status)
		}
		got := env.Call("X2", r.path, json.RawMessage(fmt.Sprintf(r.as, "X2")))
		if leaked(got) {
			t.Errorf(`"X2" %s: code %d data %s`, r.path, got.Code, got.Data)
		}
	}
	var x2 user.User
	single(t, env, "x2").WantCode(t, 200).Decode(t, &x2)
	if x2.NickName != "x2" {
		t.Errorf("x2's profile changed: %+v", x2)
	}
	// X2 can be imported as a user of its own, next to x2.
	env.ImportUsers("X2")
	var both struct {
		UserDataItem []user.User `json:"userDataItem"`
	}
	env.Call(env.Admin, "/v1/user/data/getUserInfo", map[string]any{"userIds": []string{"x2", "X2"}}).WantCode(t, 200).Decode(t, &both)
	if len(both.UserDataItem) != 2 {
		t.Errorf("x2 and X2 are not two users: %+v", both)
	}
}

// leaked reports whether a read returned anything: an error code (unknown
// user, not a member) or an answer whose lists and counts are all empty is
// nothing.
func leaked(r apitest.Response) bool {
	var v any
	_ = json.Unmarshal(r.Data, &v)
	return r.Code == 200 && !empty(v)
}

func empty(v any) bool {
	switch d := v.(type) {
	case []any:
		return len(d) == 0
	case map[string]any:
		for _, x := range d {
			if !empty(x) {
				return false
			}
		}
		return true
	case float64:
		return d == 0
	}
	return v == nil
}

// IM_ADMIN_NONCE=true against Redis: a replayed admin request (same sign,
// same random) is refused with 2010; a fresh random passes.
func TestAdminNonceReplayRefused(t *testing.T) {
	env := apitest.StartWith(t, func(c *domain.Config) { c.AdminNonce = true })
	q := url.Values{"appId": {strconv.FormatUint(uint64(env.AppID), 10)}, "identifier": {env.Admin},
		"userSign": {env.Sign(env.Admin)}, "random": {"31337"}}
	req := apitest.Request{Path: "/v1/user/importUser", Query: q, Body: map[string]any{"userData": []map[string]any{{"userId": "n1"}}}}
	env.Do(req).WantCode(t, 200)
	if got := env.Do(req); got.Code != 2010 || got.Status != 401 {
		t.Fatalf("replay: code %d HTTP %d %s", got.Code, got.Status, got.Msg)
	}
	q.Set("random", "31338")
	env.Do(req).WantCode(t, 200)
	q.Del("random")
	env.Do(req).WantCode(t, 2010)
	env.Call("n1", "/v1/user/getUserSequence", map[string]any{"userId": "n1"}).WantCode(t, 200) // users need none
}

// p2p:P1:P2:P3 was both (P1, "P2:P3") and ("P1:P2", P3): P3 could read and
// write it. ':' is no id character, so the id names nobody's conversation
// and every reader refuses it as malformed.
func TestAmbiguousConversationIDRefused(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("P1", "P3")
	env.Call(env.Admin, "/v1/user/importUser", map[string]any{"userData": []map[string]any{{"userId": "P2:P3"}}}).WantCode(t, 1002)
	for _, r := range []struct{ path, as string }{
		{"/v1/message/pull", "P3"},
		{"/v1/message/history", "P3"},
		{"/v1/message/pull", "P1"},
		{"/v1/conversation/readConversation", "P3"},
		{"/v1/conversation/updateConversation", "P3"},
	} {
		got := env.Call(r.as, r.path, map[string]any{"conversationId": "p2p:P1:P2:P3", "readSequence": 0, "isTop": 1})
		if got.Code != 1002 || !strings.Contains(got.Msg, "conversationId") {
			t.Errorf("%s as %s: code %d %s, want 1002", r.path, r.as, got.Code, got.Msg)
		}
	}
}
