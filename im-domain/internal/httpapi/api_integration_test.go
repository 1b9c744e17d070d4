//go:build integration

package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-domain/domain"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/user"
)

func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) }

type batchResult struct {
	SuccessID []string `json:"successId"`
	ErrorID   []string `json:"errorId"`
}

func single(t *testing.T, env *apitest.Env, id string) apitest.Response {
	return env.Call(env.Admin, "/v1/user/data/getSingleUserInfo", map[string]any{"userId": id})
}

func TestUserLifecycle(t *testing.T) {
	env := apitest.Start(t)
	body := map[string]any{"userData": []map[string]any{
		{"userId": "alice", "nickName": "Alice 🐳", "friendAllowType": 2, "extra": `{"vip":true}`},
		{"userId": "bob", "nickName": "Bob", "password": "ignored-and-never-stored"},
	}}
	for range 2 { // import is idempotent
		var res batchResult
		env.Call(env.Admin, "/v1/user/importUser", body).WantCode(t, 200).Decode(t, &res)
		if strings.Join(res.SuccessID, ",") != "alice,bob" || len(res.ErrorID) != 0 {
			t.Fatalf("import = %+v", res)
		}
	}
	var alice user.User
	env.Call("alice", "/v1/user/data/getSingleUserInfo", map[string]any{"userId": "alice"}).WantCode(t, 200).Decode(t, &alice)
	if alice.NickName != "Alice 🐳" || alice.FriendAllowType != 2 || alice.Extra != `{"vip":true}` {
		t.Errorf("alice = %+v (utf8mb4 emoji must survive)", alice)
	}
	var got struct {
		UserDataItem []user.User `json:"userDataItem"`
		FailUser     []string    `json:"failUser"`
	}
	env.Call("bob", "/v1/user/data/getUserInfo", map[string]any{"userIds": []string{"alice", "bob", "ghost"}}).WantCode(t, 200).Decode(t, &got)
	if len(got.UserDataItem) != 2 || strings.Join(got.FailUser, ",") != "ghost" {
		t.Errorf("getUserInfo = %+v", got)
	}
	if raw := single(t, env, "bob").Raw; strings.Contains(string(raw), "password") {
		t.Errorf("a password field came back: %s", raw)
	}
	var del batchResult
	env.Call(env.Admin, "/v1/user/deleteUser", map[string]any{"userId": []string{"bob", "ghost"}}).WantCode(t, 200).Decode(t, &del)
	if strings.Join(del.SuccessID, ",") != "bob" || strings.Join(del.ErrorID, ",") != "ghost" {
		t.Errorf("delete = %+v", del)
	}
	single(t, env, "bob").WantCode(t, 3000)
	env.Call(env.Admin, "/v1/user/deleteUser", map[string]any{"userId": []string{"bob"}}).WantCode(t, 200).Decode(t, &del)
	if len(del.SuccessID) != 0 || strings.Join(del.ErrorID, ",") != "bob" {
		t.Errorf("second delete = %+v", del)
	}
	env.ImportUsers("bob") // re-import revives
	single(t, env, "bob").WantCode(t, 200)
}

// WhaleShark pushed the user's plaintext password in 4000 to all devices.
func TestModifyNotifiesOtherDevicesWithoutPassword(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("alice")
	env.SetOnline("alice", "gw-1", device.IOS, "phone")
	env.SetOnline("alice", "gw-2", device.Web, "browser") // the caller
	res := env.Call("alice", "/v1/user/data/modifyUserInfo", map[string]any{
		"userId": "alice", "nickName": "Queen", "clientType": 1, "imei": "browser", "password": "p@ss"})
	var u user.User
	res.WantCode(t, 200).Decode(t, &u)
	if u.NickName != "Queen" || u.FriendAllowType != 1 {
		t.Errorf("modified = %+v", u)
	}
	p := env.Pushes.Wait(t, func(p apitest.Published) bool { return p.Push.Command == command.UserModify })
	if p.Exchange != mq.ExchangeDownlink || p.Key != "gw-1" || len(p.Push.To) != 1 || p.Push.To[0].IMEI != "phone" {
		t.Errorf("push = %+v", p)
	}
	if strings.Contains(strings.ToLower(string(p.Push.Data)), "password") || !strings.Contains(string(p.Push.Data), "Queen") {
		t.Errorf("push data = %s", p.Push.Data)
	}
	for _, x := range env.Pushes.All() {
		if x.Key == "gw-2" {
			t.Errorf("the calling device was notified: %+v", x)
		}
	}
}

func TestUserBadInputChangesNothing(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("alice")
	many := make([]map[string]any, 101)
	for i := range many {
		many[i] = map[string]any{"userId": fmt.Sprintf("u%d", i)}
	}
	tests := []struct {
		name, as, path string
		body           any
		code           int
	}{
		{"import: one invalid item", env.Admin, "/v1/user/importUser", map[string]any{"userData": []map[string]any{{"userId": "new1"}, {"userId": "new2", "friendAllowType": 7}}}, 1002},
		{"import: duplicate id", env.Admin, "/v1/user/importUser", map[string]any{"userData": []map[string]any{{"userId": "new1"}, {"userId": "new1"}}}, 1000},
		{"import: 101 users", env.Admin, "/v1/user/importUser", map[string]any{"userData": many}, 1003},
		{"import: empty id", env.Admin, "/v1/user/importUser", map[string]any{"userData": []map[string]any{{"userId": ""}}}, 1002},
		{"import: by a user", "alice", "/v1/user/importUser", map[string]any{"userData": []map[string]any{{"userId": "new1"}}}, 2006},
		{"import: malformed", env.Admin, "/v1/user/importUser", `{"userData":[{"userId":"new1"}`, 1001},
		{"import: wrong type", env.Admin, "/v1/user/importUser", `{"userData":[{"userId":"new1","userSex":"male"}]}`, 1002},
		{"delete: by a user", "alice", "/v1/user/deleteUser", map[string]any{"userId": []string{"alice"}}, 2006},
		{"delete: missing list", env.Admin, "/v1/user/deleteUser", map[string]any{}, 1002},
		{"modify: unknown user", env.Admin, "/v1/user/data/modifyUserInfo", map[string]any{"userId": "ghost", "nickName": "x"}, 3000},
		{"modify: flags by user", "alice", "/v1/user/data/modifyUserInfo", map[string]any{"userId": "alice", "forbiddenFlag": 1}, 2006},
		{"modify: bad value", "alice", "/v1/user/data/modifyUserInfo", map[string]any{"userId": "alice", "nickName": "x", "friendAllowType": 9}, 1002},
		{"modify: too long", "alice", "/v1/user/data/modifyUserInfo", map[string]any{"userId": "alice", "nickName": strings.Repeat("x", 129)}, 1002},
		{"modify: wrong type", "alice", "/v1/user/data/modifyUserInfo", `{"userId":"alice","nickName":5}`, 1002},
		{"modify: other user", "alice", "/v1/user/data/modifyUserInfo", map[string]any{"userId": env.Admin, "nickName": "x"}, 2005},
		{"single: unknown", "alice", "/v1/user/data/getSingleUserInfo", map[string]any{"userId": "ghost"}, 3000},
		{"single: missing id", "alice", "/v1/user/data/getSingleUserInfo", map[string]any{}, 1002},
		{"batch get: too many", "alice", "/v1/user/data/getUserInfo", map[string]any{"userIds": make([]string, 101)}, 1003},
		{"online: missing list", "alice", "/v1/user/queryUserOnlineStatus", map[string]any{}, 1002},
		{"sequence: other user", "alice", "/v1/user/getUserSequence", map[string]any{"userId": "bob"}, 2005},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.Call(tt.as, tt.path, tt.body).WantCode(t, tt.code)
		})
	}
	// Nothing changed: no new user, alice intact, nobody notified.
	var got struct {
		FailUser []string `json:"failUser"`
	}
	env.Call(env.Admin, "/v1/user/data/getUserInfo", map[string]any{"userIds": []string{"new1", "new2", "u0"}}).WantCode(t, 200).Decode(t, &got)
	if len(got.FailUser) != 3 {
		t.Errorf("a refused import created users: %+v", got)
	}
	var alice user.User
	single(t, env, "alice").WantCode(t, 200).Decode(t, &alice)
	if alice.NickName != "alice" || alice.Forbidden != 0 || alice.FriendAllowType != 1 {
		t.Errorf("alice changed: %+v", alice)
	}
	if n := len(env.Pushes.All()); n != 0 {
		t.Errorf("%d pushes from refused requests", n)
	}
}

func TestOnlineStatus(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("alice", "bob")
	env.SetOnline("alice", "gw-1", device.IOS, "phone")
	env.SetOnline("alice", "gw-2", device.Mac, "laptop")
	stale, _ := json.Marshal(session.Session{Broker: "gw-dead", ClientType: device.Android, IMEI: "old", Seen: time.Now().Add(-time.Hour).UnixMilli()})
	env.Redis.HSet(t.Context(), session.Key(env.AppID, "alice"), "3:old", stale, "9:junk", "{not json")
	var got map[string]struct {
		Session []user.Device `json:"session"`
	}
	env.Call("bob", "/v1/user/queryUserOnlineStatus", map[string]any{"userList": []string{"alice", "bob"}}).WantCode(t, 200).Decode(t, &got)
	if len(got["alice"].Session) != 2 || got["bob"].Session == nil || len(got["bob"].Session) != 0 {
		t.Errorf("online = %+v", got)
	}
}

// WhaleShark read {appId}::seq::{uid} while writing {appId}:seq:{uid}, so
// only groupSeq ever came back. Here the marks live in MySQL, written in the
// change's transaction.
func TestGetUserSequence(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("alice")
	var seqs map[string]int64
	env.Call("alice", "/v1/user/getUserSequence", map[string]any{"userId": "alice"}).WantCode(t, 200).Decode(t, &seqs)
	if len(seqs) != 0 {
		t.Errorf("fresh user has sequences %v", seqs)
	}
	db := apitest.OpenDB(t)
	for range 3 {
		apitest.MarkSeq(t, db, env.AppID, "friendShipSeq", "alice")
	}
	env.Call(env.Admin, "/v1/user/getUserSequence", map[string]any{"userId": "alice"}).WantCode(t, 200).Decode(t, &seqs)
	if seqs["friendShipSeq"] != 3 {
		t.Errorf("sequences = %v, want friendShipSeq 3", seqs)
	}
}

// WhaleShark's /v1/user/login NPE'd (no ZooKeeper client in the domain).
func TestLoginRouting(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("alice", "banned")
	env.Call(env.Admin, "/v1/user/data/modifyUserInfo", map[string]any{"userId": "banned", "forbiddenFlag": 1}).WantCode(t, 200)
	login := func(as, userID string, ct int) apitest.Response {
		return env.Call(as, "/v1/user/login", map[string]any{"userId": userID, "clientType": ct})
	}
	login("alice", "alice", 2).WantCode(t, 9001) // no gateway registered
	env.Gateways.Set(domain.Gateway{ID: "gw-1", TCP: "10.0.0.1:19001", WS: "ws://10.0.0.1:19002/ws"},
		domain.Gateway{ID: "gw-2", TCP: "10.0.0.2:19001", WS: "ws://10.0.0.2:19002/ws"})
	var a, b struct {
		AppID      uint32 `json:"appId"`
		UserID     string `json:"userId"`
		BrokerID   string `json:"brokerId"`
		TCPAddress string `json:"tcpAddress"`
		WSAddress  string `json:"wsAddress"`
		IP         string `json:"ip"`
		Port       int    `json:"port"`
	}
	login("alice", "alice", 2).WantCode(t, 200).Decode(t, &a)
	login(env.Admin, "alice", 1).WantCode(t, 200).Decode(t, &b)
	if a.AppID != env.AppID || a.UserID != "alice" || a.BrokerID != b.BrokerID || a.Port != 19001 || b.Port != 19002 || a.IP == "" {
		t.Errorf("login answers %+v and %+v (consistent hash must be stable; web gets the ws port)", a, b)
	}
	login("alice", "banned", 2).WantCode(t, 2005)
	login(env.Admin, "banned", 2).WantCode(t, 3002)
	login(env.Admin, "ghost", 2).WantCode(t, 3000)
}

// WhaleShark's auth interceptor returned true for everything; its
// ThreadLocal admin flag was never cleared.
func TestAuth(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("alice", "bob")
	app := strconv.FormatUint(uint64(env.AppID), 10)
	valid := env.Sign("alice")
	q := func(id, sign string) url.Values {
		return url.Values{"appId": {app}, "identifier": {id}, "userSign": {sign}}
	}
	body := map[string]any{"userId": "alice", "nickName": "hacked"}
	tests := []struct {
		name   string
		req    apitest.Request
		code   int
		status int
	}{
		{"no sign", apitest.Request{Query: url.Values{"appId": {app}, "identifier": {"alice"}}}, 2001, 401},
		{"bad sign", apitest.Request{Query: q("alice", valid[:len(valid)-8]+"AAAAAAAA")}, 2002, 401},
		{"forged sign", apitest.Request{Query: q("alice", env.SignWith("guessed-secret-1234", env.AppID, "alice", time.Now(), time.Hour))}, 2002, 401},
		{"expired sign", apitest.Request{Query: q("alice", env.SignWith(env.Secret, env.AppID, "alice", time.Now().Add(-2*time.Hour), time.Hour))}, 2003, 401},
		{"other app's sign", apitest.Request{Query: q("alice", env.SignWith("other-app-secret-xyz", env.AppID+1, "alice", time.Now(), time.Hour))}, 2004, 401},
		{"another user's sign", apitest.Request{Query: q("alice", env.Sign("bob"))}, 2005, 403},
		{"user acting as another", apitest.Request{Query: q("bob", env.Sign("bob"))}, 2005, 403},
		{"sign over the maximum lifetime", apitest.Request{Query: q("alice", env.SignWith(env.Secret, env.AppID, "alice", time.Now(), 31*24*time.Hour))}, 2002, 401},
		{"replayed old admin sign", apitest.Request{Query: q(env.Admin, env.SignWith(env.Secret, env.AppID, env.Admin, time.Now().Add(-2*time.Hour), 30*24*time.Hour))}, 2003, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Path, tt.req.Body = "/v1/user/data/modifyUserInfo", body
			res := env.Do(tt.req)
			if res.Code != tt.code || res.Status != tt.status {
				t.Errorf("code %d HTTP %d (%s), want %d HTTP %d", res.Code, res.Status, res.Msg, tt.code, tt.status)
			}
		})
	}
	var alice user.User
	single(t, env, "alice").WantCode(t, 200).Decode(t, &alice)
	if alice.NickName != "alice" {
		t.Fatalf("a refused request changed alice: %+v", alice)
	}
	// Headers work like query parameters; the admin acts for anyone, and
	// an admin request leaves nothing behind for the next caller.
	hdr := map[string]string{"X-IM-AppId": app, "X-IM-Identifier": env.Admin, "X-IM-UserSign": env.Sign(env.Admin)}
	env.Do(apitest.Request{Path: "/v1/user/data/modifyUserInfo", Header: hdr, Body: map[string]any{"operater": "alice", "userId": "alice", "nickName": "A"}}).WantCode(t, 200)
	env.Call("bob", "/v1/user/data/modifyUserInfo", map[string]any{"operater": "alice", "userId": "alice", "nickName": "B"}).WantCode(t, 2005)
	if logs := env.Logs(); strings.Contains(logs, valid) || strings.Contains(logs, hdr["X-IM-UserSign"]) || strings.Contains(logs, "userSign=") {
		t.Error("a user sign reached the log")
	}
}

// Internal endpoints of WhaleShark (p2pCheckSend, groupCheckSend) were
// public on the REST port; here nothing internal is routed.
func TestNoInternalEndpoints(t *testing.T) {
	env := apitest.Start(t)
	for _, p := range []string{"/v1/message/p2pCheckSend", "/v1/message/groupCheckSend", "/v1/message/checkP2PSend"} {
		res := env.Call(env.Admin, p, map[string]any{})
		if res.Code != 1008 || res.Status != http.StatusNotFound {
			t.Errorf("%s: code %d HTTP %d", p, res.Code, res.Status)
		}
	}
}

func TestOpsAndAppCache(t *testing.T) {
	env := apitest.Start(t)
	resp, err := http.Get(env.URL + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()
	h := env.Redis.HGetAll(t.Context(), session.AppKey(env.AppID)).Val()
	if h[session.AppFieldSecret] != env.Secret || h[session.AppFieldPolicy] != "3" {
		t.Errorf("app cache = %v", h)
	}
}
