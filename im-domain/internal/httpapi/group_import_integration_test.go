//go:build integration

package httpapi_test

import (
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/group"
)

func TestGroupImport_IdempotentAdminOnlyAndSilent(t *testing.T) {
	env := groupEnv(t)
	body := map[string]any{"groupId": "imp-1", "ownerId": "alice", "groupType": 2, "groupName": "imported",
		"member": []map[string]any{{"memberId": "bob", "role": 1}, {"memberId": "carol"}}}
	var got group.Imported
	env.Call(env.Admin, "/v1/group/importGroup", body).WantCode(t, 200).Decode(t, &got)
	if got.GroupID != "imp-1" || !got.Created {
		t.Fatalf("import = %+v", got)
	}
	// Re-running the migration changes nothing.
	body["groupName"] = "changed"
	env.Call(env.Admin, "/v1/group/importGroup", body).WantCode(t, 200).Decode(t, &got)
	if got.GroupID != "imp-1" || got.Created {
		t.Fatalf("second import = %+v, want created=false", got)
	}
	var info group.Info
	env.Call(env.Admin, "/v1/group/getGroupInfo", map[string]any{"groupId": "imp-1"}).WantCode(t, 200).Decode(t, &info)
	if info.Name != "imported" || info.OwnerID != "alice" || len(info.MemberList) != 3 {
		t.Fatalf("group = %+v", info)
	}
	if roles := memberRoles(t, env, "imp-1"); roles["bob"] != group.RoleManager || roles["alice"] != group.RoleOwner {
		t.Fatalf("roles = %v", roles)
	}
	// Members see it by sync; nothing was pushed.
	var page group.SyncPage
	env.Call("carol", "/v1/group/syncJoinedGroup", map[string]any{"lastSequence": 0}).WantCode(t, 200).Decode(t, &page)
	if len(page.DataList) != 1 {
		t.Fatalf("carol's sync = %+v", page)
	}
	for _, p := range env.Pushes.All() {
		if p.Push.Command == command.GroupCreated {
			t.Fatalf("import pushed %v", p.Push.Command)
		}
	}
}

func TestGroupImport_BadInput(t *testing.T) {
	env := groupEnv(t)
	tests := []struct {
		name   string
		caller string
		body   any
		code   int
	}{
		{"not admin", "alice", map[string]any{"ownerId": "alice", "groupType": 1, "groupName": "g"}, 2006},
		{"malformed", env.Admin, `{"groupType":`, 1001},
		{"wrong type", env.Admin, map[string]any{"ownerId": "alice", "groupType": "x", "groupName": "g"}, 1002},
		{"no owner", env.Admin, map[string]any{"groupType": 1, "groupName": "g"}, 1002},
		{"no name", env.Admin, map[string]any{"ownerId": "alice", "groupType": 1}, 1002},
		{"unknown owner", env.Admin, map[string]any{"ownerId": "ghost", "groupType": 1, "groupName": "g"}, 3000},
		{"unknown member", env.Admin, map[string]any{"ownerId": "alice", "groupType": 1, "groupName": "g",
			"member": []map[string]any{{"memberId": "ghost"}}}, 3000},
		{"manager in private", env.Admin, map[string]any{"ownerId": "alice", "groupType": 1, "groupName": "g",
			"member": []map[string]any{{"memberId": "bob", "role": 1}}}, 1002},
		{"too many members", env.Admin, map[string]any{"ownerId": "alice", "groupType": 1, "groupName": "g",
			"member": manyMembers(101)}, 1003},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.Call(tt.caller, "/v1/group/importGroup", tt.body).WantCode(t, tt.code)
		})
	}
	var joined group.JoinedPage
	env.Call(env.Admin, "/v1/group/getJoinedGroup", map[string]any{"memberId": "alice"}).WantCode(t, 200).Decode(t, &joined)
	if joined.TotalCount != 0 {
		t.Fatalf("refused imports created %d groups", joined.TotalCount)
	}
}

func manyMembers(n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"memberId": "u" + strings.Repeat("x", i%5) + string(rune('a'+i%26))}
	}
	return out
}

func TestGroupImportMembers(t *testing.T) {
	env := groupEnv(t)
	gid := privateGroup(t, env) // alice owner, bob and carol members
	imp := func(caller string, body any) apitest.Response {
		return env.Call(caller, "/v1/group/member/importGroupMember", body)
	}
	body := map[string]any{"groupId": gid, "members": []map[string]any{
		{"memberId": "dave", "alias": "D"}, {"memberId": "bob"}, {"memberId": "ghost"}}}
	var res []group.ImportResult
	imp(env.Admin, body).WantCode(t, 200).Decode(t, &res)
	want := []group.ImportResult{{MemberID: "dave", Result: group.ImportOK}, {MemberID: "bob", Result: group.ImportAlready},
		{MemberID: "ghost", Result: group.ImportFailed}}
	if len(res) != 3 || res[0] != want[0] || res[1] != want[1] || res[2] != want[2] {
		t.Fatalf("results = %+v", res)
	}
	imp(env.Admin, body).WantCode(t, 200).Decode(t, &res)
	if res[0].Result != group.ImportAlready {
		t.Fatalf("re-run = %+v, want dave already a member", res)
	}
	if roles := memberRoles(t, env, gid); len(roles) != 4 || roles["dave"] != group.RoleMember {
		t.Fatalf("roles = %v", roles)
	}
	// Dave's joined-group sync carries the group.
	var page group.SyncPage
	env.Call("dave", "/v1/group/syncJoinedGroup", map[string]any{"lastSequence": 0}).WantCode(t, 200).Decode(t, &page)
	if len(page.DataList) != 1 {
		t.Fatalf("dave's sync = %+v", page)
	}

	tests := []struct {
		name   string
		caller string
		body   any
		code   int
	}{
		{"not admin", "alice", map[string]any{"groupId": gid, "members": []map[string]any{{"memberId": "erin"}}}, 2006},
		{"malformed", env.Admin, `{"groupId":`, 1001},
		{"no members", env.Admin, map[string]any{"groupId": gid}, 1002},
		{"members wrong type", env.Admin, map[string]any{"groupId": gid, "members": []string{"erin"}}, 1002},
		{"unknown group", env.Admin, map[string]any{"groupId": "nope", "members": []map[string]any{{"memberId": "erin"}}}, 5000},
		{"manager in private", env.Admin, map[string]any{"groupId": gid, "members": []map[string]any{{"memberId": "erin", "role": 1}}}, 1002},
		{"owner role", env.Admin, map[string]any{"groupId": gid, "members": []map[string]any{{"memberId": "erin", "role": 2}}}, 1002},
		{"too many", env.Admin, map[string]any{"groupId": gid, "members": manyMembers(101)}, 1003},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { imp(tt.caller, tt.body).WantCode(t, tt.code) })
	}
	if roles := memberRoles(t, env, gid); len(roles) != 4 {
		t.Fatalf("refused imports changed members: %v", roles)
	}
}

func TestGroupImportMembers_FullGroupChangesNothing(t *testing.T) {
	env := groupEnv(t)
	gid := createGroup(t, env, "alice", map[string]any{"groupType": 2, "groupName": "small", "maxMemberCount": 3}).ID
	body := map[string]any{"groupId": gid, "members": []map[string]any{{"memberId": "bob"}, {"memberId": "carol"}, {"memberId": "dave"}}}
	env.Call(env.Admin, "/v1/group/member/importGroupMember", body).WantCode(t, 5007)
	if roles := memberRoles(t, env, gid); len(roles) != 1 {
		t.Fatalf("full group import changed members: %v", roles)
	}
}
