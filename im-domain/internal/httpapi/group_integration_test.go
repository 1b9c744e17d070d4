//go:build integration

package httpapi_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/group"
)

// groupEnv starts a node with users alice..frank online (one device each,
// on two gateways) and returns it.
func groupEnv(t *testing.T) *apitest.Env {
	env := apitest.Start(t)
	users := []string{"alice", "bob", "carol", "dave", "erin", "frank"}
	env.ImportUsers(users...)
	for i, u := range users {
		env.SetOnline(u, fmt.Sprintf("gw-%d", i%2), device.IOS, "phone-"+u)
	}
	return env
}

func createGroup(t *testing.T, env *apitest.Env, as string, body map[string]any) group.Info {
	t.Helper()
	var info group.Info
	env.Call(as, "/v1/group/createGroup", body).WantCode(t, 200).Decode(t, &info)
	return info
}

// publicGroup: alice owner, carol manager, bob member; free joins.
func publicGroup(t *testing.T, env *apitest.Env) string {
	return createGroup(t, env, "alice", map[string]any{"groupType": 2, "groupName": "pub", "applyJoinType": 2,
		"member": []map[string]any{{"memberId": "bob"}, {"memberId": "carol", "role": 1}}}).ID
}

// privateGroup: alice owner, bob and carol members.
func privateGroup(t *testing.T, env *apitest.Env) string {
	return createGroup(t, env, "alice", map[string]any{"groupType": 1, "groupName": "priv",
		"member": []map[string]any{{"memberId": "bob"}, {"memberId": "carol"}}}).ID
}

func memberRoles(t *testing.T, env *apitest.Env, groupID string) map[string]group.Role {
	t.Helper()
	var ms []group.Member
	env.Call(env.Admin, "/v1/group/member/getMembers", map[string]any{"groupId": groupID}).WantCode(t, 200).Decode(t, &ms)
	out := map[string]group.Role{}
	for _, m := range ms {
		out[m.ID] = m.Role
	}
	return out
}

// deliveries counts, per user, the devices a command was pushed to for groupID.
func deliveries(env *apitest.Env, cmd command.Code, groupID string) map[string]int {
	out := map[string]int{}
	for _, p := range env.Pushes.All() {
		if p.Push.Command != cmd || !strings.Contains(string(p.Push.Data), `"`+groupID+`"`) {
			continue
		}
		for _, d := range p.Push.To {
			out[d.UserID]++
		}
	}
	return out
}

func wantDelivered(t *testing.T, env *apitest.Env, cmd command.Code, groupID string, users ...string) {
	t.Helper()
	env.Pushes.Wait(t, func(p apitest.Published) bool { return p.Push.Command == cmd })
	got := deliveries(env, cmd, groupID)
	want := map[string]int{}
	for _, u := range users {
		want[u] = 1
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("command %d delivered to %v, want each of %v once", cmd, got, users)
	}
}

func TestGroupLifecycle(t *testing.T) {
	env := groupEnv(t)
	info := createGroup(t, env, "alice", map[string]any{"groupType": 2, "groupName": "Whales 🐳",
		"member": []map[string]any{{"memberId": "bob"}, {"memberId": "carol", "role": 1}, {"memberId": "alice"}}})
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(info.ID) || info.OwnerID != "alice" || info.MaxMembers != 500 ||
		info.Status != group.StatusNormal || info.Sequence == 0 || len(info.MemberList) != 3 {
		t.Fatalf("created %+v", info)
	}
	wantDelivered(t, env, command.GroupCreated, info.ID, "alice", "bob", "carol")
	if got := memberRoles(t, env, info.ID); got["alice"] != group.RoleOwner || got["carol"] != group.RoleManager || got["bob"] != group.RoleMember {
		t.Errorf("roles %v", got)
	}
	var g group.Group
	env.Call("carol", "/v1/group/update", map[string]any{"groupId": info.ID, "introduction": "hi"}).WantCode(t, 200).Decode(t, &g)
	if g.Name != "Whales 🐳" || g.Introduction != "hi" || g.Sequence <= info.Sequence {
		t.Errorf("updated %+v", g)
	}
	wantDelivered(t, env, command.GroupUpdated, info.ID, "alice", "bob", "carol")
	var got group.Info
	env.Call("dave", "/v1/group/getGroupInfo", map[string]any{"groupId": info.ID}).WantCode(t, 200).Decode(t, &got)
	if got.Introduction != "hi" || len(got.MemberList) != 3 {
		t.Errorf("public info for a non-member: %+v", got)
	}
	// A caller-chosen id; a taken one is refused.
	own := createGroup(t, env, env.Admin, map[string]any{"groupId": "team-1", "ownerId": "dave", "groupType": 1, "groupName": "t"})
	if own.ID != "team-1" || own.OwnerID != "dave" {
		t.Errorf("admin-created %+v", own)
	}
	env.Call("dave", "/v1/group/createGroup", map[string]any{"groupId": "team-1", "groupType": 1, "groupName": "t"}).WantCode(t, 5001)
}

func TestGroupTransferMuteAndSpeak(t *testing.T) {
	env := groupEnv(t)
	id := publicGroup(t, env)
	env.Call("carol", "/v1/group/forbidSendMessage", map[string]any{"groupId": id, "mute": 1}).WantCode(t, 200)
	env.Call("bob", "/v1/group/forbidSendMessage", map[string]any{"groupId": id, "mute": 0}).WantCode(t, 5009)
	env.Call("bob", "/v1/group/member/speak", map[string]any{"groupId": id, "memberId": "carol", "speakDate": 60000}).WantCode(t, 5009)
	env.Call("carol", "/v1/group/member/speak", map[string]any{"groupId": id, "memberId": "alice", "speakDate": 60000}).WantCode(t, 5009)
	var m group.Member
	env.Call("carol", "/v1/group/member/speak", map[string]any{"groupId": id, "memberId": "bob", "speakDate": 60000}).WantCode(t, 200).Decode(t, &m)
	if m.SpeakDate == 0 {
		t.Errorf("muted member %+v", m)
	}
	wantDelivered(t, env, command.GroupMemberMuted, id, "alice", "bob", "carol")
	env.Call(env.Admin, "/v1/group/member/speak", map[string]any{"groupId": id, "memberId": "alice", "speakDate": 1000}).WantCode(t, 200)
	env.Call("alice", "/v1/group/transferGroup", map[string]any{"groupId": id, "ownerId": "dave"}).WantCode(t, 5003)
	env.Call("carol", "/v1/group/transferGroup", map[string]any{"groupId": id, "ownerId": "bob"}).WantCode(t, 5009)
	env.Call("alice", "/v1/group/transferGroup", map[string]any{"groupId": id, "ownerId": "bob"}).WantCode(t, 200)
	if got := memberRoles(t, env, id); got["bob"] != group.RoleOwner || got["alice"] != group.RoleMember {
		t.Errorf("roles after transfer %v", got)
	}
	var info group.Info
	env.Call("bob", "/v1/group/getGroupInfo", map[string]any{"groupId": id}).WantCode(t, 200).Decode(t, &info)
	if info.OwnerID != "bob" || info.Mute != 1 {
		t.Errorf("info %+v", info)
	}
}

func TestGroupMemberRolesAndAlias(t *testing.T) {
	env := groupEnv(t)
	id := publicGroup(t, env)
	env.Call("carol", "/v1/group/member/update", map[string]any{"groupId": id, "memberId": "bob", "role": 1}).WantCode(t, 5009)
	var m group.Member
	env.Call("alice", "/v1/group/member/update", map[string]any{"groupId": id, "memberId": "bob", "role": 1}).WantCode(t, 200).Decode(t, &m)
	if m.Role != group.RoleManager {
		t.Errorf("bob %+v", m)
	}
	env.Call("alice", "/v1/group/member/update", map[string]any{"groupId": id, "memberId": "bob", "role": 2}).WantCode(t, 1002)
	env.Call("alice", "/v1/group/member/update", map[string]any{"groupId": id, "memberId": "bob", "alias": "b"}).WantCode(t, 5009)
	env.Call("bob", "/v1/group/member/update", map[string]any{"groupId": id, "memberId": "bob", "alias": "Bobby"}).WantCode(t, 200).Decode(t, &m)
	if m.Alias != "Bobby" {
		t.Errorf("alias %+v", m)
	}
	priv := privateGroup(t, env)
	env.Call("alice", "/v1/group/member/update", map[string]any{"groupId": priv, "memberId": "bob", "role": 1}).WantCode(t, 5009)
}

func TestGroupJoinQuitAndRequests(t *testing.T) {
	env := groupEnv(t)
	id := publicGroup(t, env) // free
	var res group.JoinResult
	env.Call("dave", "/v1/group/member/join", map[string]any{"groupId": id}).WantCode(t, 200).Decode(t, &res)
	if res.Status != group.JoinJoined {
		t.Errorf("free join %+v", res)
	}
	wantDelivered(t, env, command.GroupAddedMember, id, "alice", "bob", "carol", "dave")
	env.Call("dave", "/v1/group/member/join", map[string]any{"groupId": id}).WantCode(t, 5004)
	env.Call("alice", "/v1/group/member/exit", map[string]any{"groupId": id}).WantCode(t, 5010)
	env.Call("dave", "/v1/group/member/exit", map[string]any{"groupId": id}).WantCode(t, 200)
	wantDelivered(t, env, command.GroupExit, id, "alice", "bob", "carol", "dave")
	env.Call("dave", "/v1/group/member/exit", map[string]any{"groupId": id}).WantCode(t, 5003)

	env.Call("carol", "/v1/group/update", map[string]any{"groupId": id, "applyJoinType": 1}).WantCode(t, 200)
	env.Call("erin", "/v1/group/member/join", map[string]any{"groupId": id, "message": "let me in"}).WantCode(t, 200).Decode(t, &res)
	env.Call("frank", "/v1/group/member/join", map[string]any{"groupId": id}).WantCode(t, 200)
	if res.Status != group.JoinPending {
		t.Errorf("approval join %+v", res)
	}
	env.Pushes.Wait(t, func(p apitest.Published) bool { return p.Push.Command == command.GroupJoinRequest })
	if got := deliveries(env, command.GroupJoinRequest, id); got["alice"] != 2 || got["carol"] != 2 || got["bob"] != 0 {
		t.Errorf("join requests went to %v, want the owner and the manager", got)
	}
	env.Call("bob", "/v1/group/member/getJoinRequests", map[string]any{"groupId": id}).WantCode(t, 5009)
	var reqs []group.JoinRequest
	env.Call("carol", "/v1/group/member/getJoinRequests", map[string]any{"groupId": id}).WantCode(t, 200).Decode(t, &reqs)
	if len(reqs) != 2 || reqs[0].UserID != "erin" || reqs[0].Message != "let me in" {
		t.Errorf("requests %+v", reqs)
	}
	env.Call("carol", "/v1/group/member/handleJoinRequest", map[string]any{"groupId": id, "userId": "erin", "approve": true}).WantCode(t, 200)
	env.Call("carol", "/v1/group/member/handleJoinRequest", map[string]any{"groupId": id, "userId": "frank", "approve": false}).WantCode(t, 200)
	env.Call("carol", "/v1/group/member/handleJoinRequest", map[string]any{"groupId": id, "userId": "frank", "approve": true}).WantCode(t, 1008)
	if got := memberRoles(t, env, id); len(got) != 4 || got["erin"] != group.RoleMember {
		t.Errorf("members after approval %v", got)
	}
	env.Call("carol", "/v1/group/update", map[string]any{"groupId": id, "applyJoinType": 0}).WantCode(t, 200)
	env.Call("frank", "/v1/group/member/join", map[string]any{"groupId": id}).WantCode(t, 5008)
	env.Call("frank", "/v1/group/member/join", map[string]any{"groupId": privateGroup(t, env)}).WantCode(t, 5008)
}

func TestGroupMaxSizeAndDoubleAdd(t *testing.T) {
	env := groupEnv(t)
	id := createGroup(t, env, "alice", map[string]any{"groupType": 1, "groupName": "small", "maxMemberCount": 3,
		"member": []map[string]any{{"memberId": "bob"}}}).ID
	var res []group.AddResult
	env.Call("bob", "/v1/group/member/add", map[string]any{"groupId": id, "members": []string{"carol", "bob"}}).WantCode(t, 200).Decode(t, &res)
	if fmt.Sprint(res) != "[{bob 2} {carol 0}]" {
		t.Errorf("add results %v", res)
	}
	env.Call("alice", "/v1/group/member/add", map[string]any{"groupId": id, "members": []string{"dave"}}).WantCode(t, 5007)
	env.Call("alice", "/v1/group/createGroup", map[string]any{"groupType": 1, "groupName": "x", "maxMemberCount": 2,
		"member": []map[string]any{{"memberId": "bob"}, {"memberId": "carol"}}}).WantCode(t, 5007)
	env.Call("alice", "/v1/group/update", map[string]any{"groupId": id, "maxMemberCount": 501}).WantCode(t, 1002)
	env.Call("alice", "/v1/group/update", map[string]any{"groupId": id, "maxMemberCount": 2}).WantCode(t, 5007)
	var rows int64
	apitest.OpenDB(t).Raw("SELECT COUNT(*) FROM group_members WHERE app_id = ? AND group_id = ?", env.AppID, id).Scan(&rows)
	if rows != 3 {
		t.Errorf("member rows = %d, want 3 (one per member, unique key)", rows)
	}
	err := apitest.OpenDB(t).Exec("INSERT INTO group_members (app_id, group_id, member_id, join_time) VALUES (?, ?, 'bob', 1)", env.AppID, id).Error
	if err == nil {
		t.Error("a second row for (app, group, member) was accepted")
	}
}

func TestGroupJoinedListPaging(t *testing.T) {
	env := groupEnv(t)
	var ids []string
	for i := range 3 {
		ids = append(ids, createGroup(t, env, "alice", map[string]any{"groupType": 1 + i%2, "groupName": fmt.Sprint("g", i)}).ID)
	}
	env.Call("alice", "/v1/group/destroyGroup", map[string]any{"groupId": ids[0]}).WantCode(t, 200)
	var page group.JoinedPage
	env.Call("alice", "/v1/group/getJoinedGroup", map[string]any{"limit": 1, "offset": 1}).WantCode(t, 200).Decode(t, &page)
	if page.TotalCount != 2 || len(page.GroupList) != 1 {
		t.Errorf("page %+v", page)
	}
	env.Call(env.Admin, "/v1/group/getJoinedGroup", map[string]any{"memberId": "alice", "groupType": []int{2}}).WantCode(t, 200).Decode(t, &page)
	if page.TotalCount != 1 || page.GroupList[0].Type != group.Public {
		t.Errorf("public only %+v", page)
	}
	env.Call("bob", "/v1/group/getJoinedGroup", map[string]any{"memberId": "alice"}).WantCode(t, 2005)
	env.Call("bob", "/v1/group/getJoinedGroup", map[string]any{}).WantCode(t, 200).Decode(t, &page)
	if page.TotalCount != 0 || page.GroupList == nil {
		t.Errorf("bob's page %+v", page)
	}
}

func TestGroupBadInputChangesNothing(t *testing.T) {
	env := groupEnv(t)
	id := publicGroup(t, env)
	before := len(env.Pushes.All())
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprint("u", i)
	}
	tests := []struct {
		name, as, path string
		body           any
		code           int
	}{
		{"create: malformed", "alice", "/v1/group/createGroup", `{"groupType":1,`, 1001},
		{"create: no type", "alice", "/v1/group/createGroup", map[string]any{"groupName": "x"}, 1002},
		{"create: bad type", "alice", "/v1/group/createGroup", map[string]any{"groupName": "x", "groupType": 3}, 1002},
		{"create: wrong type", "alice", "/v1/group/createGroup", `{"groupName":"x","groupType":"public"}`, 1002},
		{"create: unknown member", "alice", "/v1/group/createGroup", map[string]any{"groupName": "x", "groupType": 1, "member": []map[string]any{{"memberId": "ghost"}}}, 3000},
		{"create: for another owner", "bob", "/v1/group/createGroup", map[string]any{"groupName": "x", "groupType": 1, "ownerId": "alice"}, 2005},
		{"create: private manager", "alice", "/v1/group/createGroup", map[string]any{"groupName": "x", "groupType": 1, "member": []map[string]any{{"memberId": "bob", "role": 1}}}, 1002},
		{"create: bad id", "alice", "/v1/group/createGroup", map[string]any{"groupName": "x", "groupType": 1, "groupId": "a b"}, 1002},
		{"info: missing id", "alice", "/v1/group/getGroupInfo", map[string]any{}, 1002},
		{"info: unknown group", "alice", "/v1/group/getGroupInfo", map[string]any{"groupId": "nope"}, 5000},
		{"update: nothing", "alice", "/v1/group/update", map[string]any{"groupId": id}, 1002},
		{"update: unknown group", "alice", "/v1/group/update", map[string]any{"groupId": "nope", "groupName": "x"}, 5000},
		{"update: empty name", "alice", "/v1/group/update", map[string]any{"groupId": id, "groupName": " "}, 1002},
		{"update: wrong type", "alice", "/v1/group/update", `{"groupId":"` + id + `","groupName":7}`, 1002},
		{"mute: missing", "alice", "/v1/group/forbidSendMessage", map[string]any{"groupId": id}, 1002},
		{"mute: bad value", "alice", "/v1/group/forbidSendMessage", map[string]any{"groupId": id, "mute": 2}, 1002},
		{"add: 101 members", "alice", "/v1/group/member/add", map[string]any{"groupId": id, "members": many}, 1003},
		{"add: unknown user", "alice", "/v1/group/member/add", map[string]any{"groupId": id, "members": []string{"dave", "ghost"}}, 3000},
		{"add: none", "alice", "/v1/group/member/add", map[string]any{"groupId": id}, 1002},
		{"remove: not a member", "alice", "/v1/group/member/remove", map[string]any{"groupId": id, "memberId": "dave"}, 5003},
		{"speak: missing date", "alice", "/v1/group/member/speak", map[string]any{"groupId": id, "memberId": "bob"}, 1002},
		{"speak: too long", "alice", "/v1/group/member/speak", map[string]any{"groupId": id, "memberId": "bob", "speakDate": int64(400) * 24 * 3600 * 1000}, 1002},
		{"handle: missing approve", "alice", "/v1/group/member/handleJoinRequest", map[string]any{"groupId": id, "userId": "dave"}, 1002},
		{"sync: negative", "alice", "/v1/group/syncJoinedGroup", map[string]any{"lastSequence": -1}, 1002},
		{"joined: bad type", "alice", "/v1/group/getJoinedGroup", map[string]any{"groupType": []int{5}}, 1002},
		{"as another user", "bob", "/v1/group/destroyGroup", map[string]any{"groupId": id, "operater": "alice"}, 2005},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { env.Call(tt.as, tt.path, tt.body).WantCode(t, tt.code) })
	}
	var info group.Info
	env.Call("alice", "/v1/group/getGroupInfo", map[string]any{"groupId": id}).WantCode(t, 200).Decode(t, &info)
	if info.Name != "pub" || info.Mute != 0 || len(info.MemberList) != 3 || info.Status != group.StatusNormal {
		t.Errorf("group changed by refused calls: %+v", info)
	}
	var page group.JoinedPage
	env.Call("alice", "/v1/group/getJoinedGroup", map[string]any{}).WantCode(t, 200).Decode(t, &page)
	if page.TotalCount != 1 {
		t.Errorf("refused creates made groups: %+v", page)
	}
	if after := len(env.Pushes.All()); after != before {
		t.Errorf("refused calls notified: %d new publishes", after-before)
	}
}

// --- Regression tests for WhaleShark's group bugs (whaleshark.md §12.2).

func TestRegression_UpdateBaseGroupInfoDestroyCheck(t *testing.T) {
	env := groupEnv(t)
	id := privateGroup(t, env)
	env.Call("bob", "/v1/group/update", map[string]any{"groupId": id, "groupName": "renamed"}).WantCode(t, 200)
	env.Call("alice", "/v1/group/destroyGroup", map[string]any{"groupId": id}).WantCode(t, 200)
	env.Call("alice", "/v1/group/update", map[string]any{"groupId": id, "groupName": "again"}).WantCode(t, 5002)
}

func TestRegression_AddMemberPublicAlwaysRejected(t *testing.T) {
	env := groupEnv(t)
	id := publicGroup(t, env)
	env.Call("carol", "/v1/group/member/add", map[string]any{"groupId": id, "members": []string{"dave"}}).WantCode(t, 200)
	wantDelivered(t, env, command.GroupAddedMember, id, "alice", "bob", "carol", "dave")
	env.Call("alice", "/v1/group/member/add", map[string]any{"groupId": id, "members": []string{"erin"}}).WantCode(t, 200)
	env.Call("bob", "/v1/group/member/add", map[string]any{"groupId": id, "members": []string{"frank"}}).WantCode(t, 5009)
}

func TestRegression_AddMemberPrivateNoOperatorCheck(t *testing.T) {
	env := groupEnv(t)
	id := privateGroup(t, env)
	env.Call("dave", "/v1/group/member/add", map[string]any{"groupId": id, "members": []string{"erin"}}).WantCode(t, 5003)
	env.Call("bob", "/v1/group/member/add", map[string]any{"groupId": id, "members": []string{"erin"}}).WantCode(t, 200)
}

func TestRegression_RemoveMemberPrivateNoPermissionCheck(t *testing.T) {
	env := groupEnv(t)
	id := privateGroup(t, env)
	env.Call("bob", "/v1/group/member/remove", map[string]any{"groupId": id, "memberId": "carol"}).WantCode(t, 5009)
	env.Call("dave", "/v1/group/member/remove", map[string]any{"groupId": id, "memberId": "carol"}).WantCode(t, 5003)
	env.Call("bob", "/v1/group/member/remove", map[string]any{"groupId": id, "memberId": "alice"}).WantCode(t, 5009)
	env.Call("alice", "/v1/group/member/remove", map[string]any{"groupId": id, "memberId": "carol"}).WantCode(t, 200)
	if got := memberRoles(t, env, id); len(got) != 2 {
		t.Errorf("members %v", got)
	}
	pub := publicGroup(t, env)
	env.Call("carol", "/v1/group/member/remove", map[string]any{"groupId": pub, "memberId": "alice"}).WantCode(t, 5009)
	env.Call("carol", "/v1/group/member/remove", map[string]any{"groupId": pub, "memberId": "bob"}).WantCode(t, 200)
}

func TestRegression_DestroyGroupByAnyone(t *testing.T) {
	env := groupEnv(t)
	id := privateGroup(t, env)
	env.Call("bob", "/v1/group/destroyGroup", map[string]any{"groupId": id}).WantCode(t, 5009)
	env.Call("dave", "/v1/group/destroyGroup", map[string]any{"groupId": id}).WantCode(t, 5003)
	env.Call("alice", "/v1/group/destroyGroup", map[string]any{"groupId": id}).WantCode(t, 200)
	wantDelivered(t, env, command.GroupDestroyed, id, "alice", "bob", "carol")
	env.Call("alice", "/v1/group/destroyGroup", map[string]any{"groupId": id}).WantCode(t, 5002)
	env.Call(env.Admin, "/v1/group/destroyGroup", map[string]any{"groupId": publicGroup(t, env)}).WantCode(t, 200)
}

// WhaleShark's deleteMemberMsg / updateMemberMsg sent the event N times to
// the affected member; each member gets it once here.
func TestRegression_DeleteAndUpdateMemberFanOut(t *testing.T) {
	env := groupEnv(t)
	id := publicGroup(t, env)
	env.Call("bob", "/v1/group/member/update", map[string]any{"groupId": id, "memberId": "bob", "alias": "B", "clientType": 2, "imei": "other"}).WantCode(t, 200)
	wantDelivered(t, env, command.GroupUpdatedMember, id, "alice", "bob", "carol")
	env.Call("alice", "/v1/group/member/remove", map[string]any{"groupId": id, "memberId": "bob"}).WantCode(t, 200)
	wantDelivered(t, env, command.GroupDeletedMember, id, "alice", "bob", "carol")
}

func TestRegression_TransferAndMuteWithoutNotification(t *testing.T) {
	env := groupEnv(t)
	id := publicGroup(t, env)
	env.Call("alice", "/v1/group/forbidSendMessage", map[string]any{"groupId": id, "mute": 1}).WantCode(t, 200)
	wantDelivered(t, env, command.GroupMuted, id, "alice", "bob", "carol")
	env.Call("alice", "/v1/group/transferGroup", map[string]any{"groupId": id, "ownerId": "carol"}).WantCode(t, 200)
	wantDelivered(t, env, command.GroupTransferred, id, "alice", "bob", "carol")
	p := env.Pushes.Wait(t, func(p apitest.Published) bool { return p.Push.Command == command.GroupTransferred })
	var data struct {
		OwnerID  string `json:"ownerId"`
		Sequence int64  `json:"sequence"`
	}
	if err := json.Unmarshal(p.Push.Data, &data); err != nil || data.OwnerID != "carol" || data.Sequence == 0 {
		t.Errorf("2008 data %s", p.Push.Data)
	}
}

// The notifying device is skipped: it made the change.
func TestGroupEventsSkipCallingDevice(t *testing.T) {
	env := groupEnv(t)
	id := publicGroup(t, env)
	env.Call("alice", "/v1/group/update", map[string]any{"groupId": id, "photo": "p", "clientType": int(device.IOS), "imei": "phone-alice"}).WantCode(t, 200)
	env.Pushes.Wait(t, func(p apitest.Published) bool { return p.Push.Command == command.GroupUpdated })
	if got := deliveries(env, command.GroupUpdated, id); got["alice"] != 0 || got["bob"] != 1 {
		t.Errorf("2003 deliveries %v", got)
	}
}

func TestGroupSequenceReportedPerUser(t *testing.T) {
	env := groupEnv(t)
	id := privateGroup(t, env)
	env.Call("alice", "/v1/group/update", map[string]any{"groupId": id, "groupName": "n"}).WantCode(t, 200)
	var page group.SyncPage
	env.Call("bob", "/v1/group/syncJoinedGroup", map[string]any{}).WantCode(t, 200).Decode(t, &page)
	var seqs map[string]int64
	env.Call("bob", "/v1/user/getUserSequence", map[string]any{"userId": "bob"}).WantCode(t, 200).Decode(t, &seqs)
	if seqs["groupSeq"] != page.MaxSequence || page.MaxSequence == 0 || !page.Completed || len(page.DataList) != 1 {
		t.Errorf("seqs %v, page %+v", seqs, page)
	}
	if !slices.ContainsFunc(page.DataList, func(g group.JoinedGroup) bool { return g.Name == "n" && !g.Deleted }) {
		t.Errorf("sync rows %+v", page.DataList)
	}
}
