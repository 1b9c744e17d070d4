//go:build e2e

package e2e

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-sdk/go/imclient"
)

// TestLookalikeLoginsReadNothingOfX2: "x2 " (trailing space) and "X2"
// (upper case) were x2 to MariaDB's utf8mb4_unicode_ci. Now "x2 " is no id
// (refused by REST and the gateway) and "X2" is a user of its own, which
// logs in on both and sees nothing of x2's conversations, profile,
// friendships or messages.
func TestLookalikeLoginsReadNothingOfX2(t *testing.T) {
	x2 := "x2" + randHex(3)
	upper, padded := strings.ToUpper(x2), x2+" "
	peer := newUsers(t, "idpeer", 1)[0]
	admin(t, "/v1/user/importUser", map[string]any{"userData": []map[string]any{
		{"userId": x2, "nickName": "the real x2"}, {"userId": upper, "nickName": "upper"}}}, nil)
	admin(t, "/v1/friendship/importFriendShip", map[string]any{"fromId": x2, "friendItem": []map[string]any{{"toId": peer}}}, nil)
	dx2 := connect(t, x2, 0, true, device.Web)
	dpeer := connect(t, peer, 1, false, device.Android)
	sendOK(t, dpeer, imclient.Message{ToID: x2, Body: "secret for x2"})

	// "x2 " is nobody: the gateway and REST refuse it before anything else.
	if err := tryLogin(padded, 0); !errors.Is(err, errcode.MissingField) {
		t.Errorf(`gateway login as "x2 ": %v, want 1002`, err)
	}
	for _, path := range []string{"/v1/user/getUserSequence", "/v1/conversation/getConversationList",
		"/v1/friendship/getAllFriendShip", "/v1/message/getMaxSequences"} {
		if r := call(t, padded, path, map[string]any{}); r.Code != int(errcode.Unauthenticated.Code) {
			t.Errorf(`REST %s as "x2 ": code %d %s`, path, r.Code, r.Msg)
		}
	}

	// "X2" logs in as itself and gets only its own message.
	dup := connect(t, upper, 1, true, device.Web)
	sendOK(t, dpeer, imclient.Message{ToID: x2, Body: "second secret for x2"})
	sendOK(t, dpeer, imclient.Message{ToID: upper, Body: "for X2"})
	testwait.Eventually(t, 10*time.Second, func() error {
		if len(dx2.messages(command.MessageP2P)) < 2 || len(dup.messages(command.MessageP2P)) < 1 {
			return errors.New("waiting for both users' messages")
		}
		return nil
	})
	if got := dup.messages(command.MessageP2P); len(got) != 1 || got[0].MessageBody != "for X2" {
		t.Errorf("X2 received %+v", got)
	}
	for _, r := range []struct {
		path string
		body map[string]any
	}{
		{"/v1/conversation/getConversationList", map[string]any{}},
		{"/v1/friendship/getAllFriendShip", map[string]any{"fromId": upper}},
		{"/v1/message/getMaxSequences", map[string]any{}},
		{"/v1/message/syncOffline", map[string]any{}},
		{"/v1/message/pull", map[string]any{"conversationId": p2pConv(x2, peer)}},
		{"/v1/message/history", map[string]any{"conversationId": p2pConv(x2, peer)}},
		{"/v1/user/data/getSingleUserInfo", map[string]any{"userId": upper}},
		{"/v1/user/getUserSequence", map[string]any{"userId": upper}},
	} {
		res := call(t, upper, r.path, r.body)
		body := string(res.Data) + res.Msg
		if strings.Contains(body, "secret for x2") || strings.Contains(body, p2pConv(x2, peer)) || strings.Contains(body, "the real x2") {
			t.Errorf("X2 %s reads x2's data: code %d %s", r.path, res.Code, body)
		}
		if r.path == "/v1/friendship/getAllFriendShip" && string(res.Data) != "[]" {
			t.Errorf("X2's friendships: %s", res.Data)
		}
	}
	if r := call(t, upper, "/v1/user/data/modifyUserInfo", map[string]any{"userId": x2, "nickName": "pwned"}); r.Code != int(errcode.IdentityMismatch.Code) {
		t.Errorf("X2 modifying x2: code %d %s", r.Code, r.Msg)
	}
	var info struct {
		NickName string `json:"nickName"`
	}
	admin(t, "/v1/user/data/getSingleUserInfo", map[string]any{"userId": x2}, &info)
	if info.NickName != "the real x2" {
		t.Errorf("x2's profile = %+v", info)
	}
}
