//go:build integration

package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/app"
	"github.com/whaleim/whaleim/im-domain/internal/group"
	"github.com/whaleim/whaleim/im-domain/internal/mariadb"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
	"github.com/whaleim/whaleim/im-domain/internal/redisdb"
)

// Random group changes, then each user pages syncJoinedGroup from 0 (and
// from a midpoint) with a small maxLimit: the reconstructed list must equal
// the server's live state (getJoinedGroup), tombstones removing the rest.
func TestGroupSyncReconstructsState(t *testing.T) {
	env := groupEnv(t)
	users := []string{"alice", "bob", "carol", "dave"}
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	var groups []string
	for i := range 4 {
		groups = append(groups, createGroup(t, env, users[i], map[string]any{"groupType": 1, "groupName": fmt.Sprint("g", i)}).ID)
	}
	local := map[string]map[string]group.JoinedGroup{}
	last := map[string]int64{}
	for step := range 60 {
		g, u, v := groups[rng.IntN(len(groups))], users[rng.IntN(len(users))], users[rng.IntN(len(users))]
		switch rng.IntN(5) {
		case 0:
			env.Call(u, "/v1/group/member/add", map[string]any{"groupId": g, "members": []string{v}})
		case 1:
			env.Call(u, "/v1/group/member/remove", map[string]any{"groupId": g, "memberId": v})
		case 2:
			env.Call(u, "/v1/group/member/exit", map[string]any{"groupId": g})
		case 3:
			env.Call(u, "/v1/group/update", map[string]any{"groupId": g, "groupName": fmt.Sprint("n", step)})
		case 4:
			if rng.IntN(6) == 0 {
				env.Call(u, "/v1/group/destroyGroup", map[string]any{"groupId": g})
			}
		}
		if step == 30 { // a midpoint sync: later pages continue from it
			for _, u := range users {
				last[u] = syncAll(t, env, u, 0, local)
			}
		}
	}
	for _, u := range users {
		syncAll(t, env, u, last[u], local)
		var page group.JoinedPage
		env.Call(u, "/v1/group/getJoinedGroup", map[string]any{}).WantCode(t, 200).Decode(t, &page)
		want := map[string]string{}
		for _, g := range page.GroupList {
			want[g.ID] = g.Name
		}
		got := map[string]string{}
		for id, g := range local[u] {
			got[id] = g.Name
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: synced %v, server %v", u, got, want)
		}
	}
}

// syncAll pages from last until completed, applying rows to local[user].
func syncAll(t *testing.T, env *apitest.Env, user string, last int64, local map[string]map[string]group.JoinedGroup) int64 {
	if local[user] == nil {
		local[user] = map[string]group.JoinedGroup{}
	}
	for range 100 {
		var page group.SyncPage
		env.Call(user, "/v1/group/syncJoinedGroup", map[string]any{"lastSequence": last, "maxLimit": 2}).WantCode(t, 200).Decode(t, &page)
		for _, g := range page.DataList {
			if g.Sequence <= last {
				t.Fatalf("%s: row seq %d not after %d", user, g.Sequence, last)
			}
			last = g.Sequence
			if g.Deleted {
				delete(local[user], g.ID)
			} else {
				local[user][g.ID] = g
			}
		}
		if page.Completed {
			return last
		}
	}
	t.Fatalf("%s: sync never completed", user)
	return 0
}

type oneApp struct{ a *app.App }

func (o oneApp) App(context.Context, uint32) (*app.App, error) { return o.a, nil }

// countingStore counts the reads SendCheck could make.
type countingStore struct {
	*mariadb.GroupStore
	reads atomic.Int64
}

func (c *countingStore) GroupInfo(ctx context.Context, appID uint32, id string) (group.Group, error) {
	c.reads.Add(1)
	return c.GroupStore.GroupInfo(ctx, appID, id)
}

// A second node's group service (own cache) sees changes made through the
// API node at once, and answers repeated checks without MySQL.
func TestGroupSendCheckCachedAcrossNodes(t *testing.T) {
	env := groupEnv(t)
	db, err := mariadb.Open(t.Context(), apitest.DSN(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store := &countingStore{GroupStore: mariadb.NewGroupStore(db)}
	a := &app.App{ID: env.AppID, Settings: app.DefaultSettings()}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	node2 := group.NewService(store, db, oneApp{a}, redisdb.Wrap(env.Redis, time.Minute), notify.New(redisdb.Wrap(env.Redis, time.Minute), notify.Discard{}), nil, log)
	ctx := t.Context()
	check := func(groupID, user string, want *errcode.Error) []string {
		t.Helper()
		members, err := node2.SendCheck(ctx, env.AppID, groupID, user)
		if (want == nil && err != nil) || (want != nil && !errors.Is(err, want)) {
			t.Fatalf("SendCheck(%s, %s) = %v, want %v", groupID, user, err, want)
		}
		return members
	}
	check("nope", "alice", errcode.GroupNotFound)
	id := publicGroup(t, env)
	if got := check(id, "bob", nil); !slices.Equal(got, []string{"alice", "bob", "carol"}) {
		t.Errorf("members %v", got)
	}
	reads := store.reads.Load()
	for range 50 {
		check(id, "bob", nil)
	}
	if store.reads.Load() != reads {
		t.Errorf("50 cached checks read MySQL %d times", store.reads.Load()-reads)
	}
	check(id, "dave", errcode.NotGroupMember)
	env.Call("alice", "/v1/group/forbidSendMessage", map[string]any{"groupId": id, "mute": 1}).WantCode(t, 200)
	check(id, "bob", errcode.GroupMuted)
	check(id, "carol", nil) // managers speak in a muted group
	env.Call("alice", "/v1/group/member/speak", map[string]any{"groupId": id, "memberId": "carol", "speakDate": 60000}).WantCode(t, 200)
	check(id, "carol", errcode.MemberMuted)
	since, err := node2.MemberSince(ctx, env.AppID, id, "alice")
	if err != nil || since == 0 {
		t.Errorf("MemberSince = %d, %v", since, err)
	}
	env.Call("alice", "/v1/group/member/remove", map[string]any{"groupId": id, "memberId": "bob"}).WantCode(t, 200)
	check(id, "bob", errcode.NotGroupMember)
	if m, _ := node2.Members(ctx, env.AppID, id); slices.Contains(m, "bob") {
		t.Errorf("removed member still listed: %v", m)
	}
	if _, err := node2.MemberSince(ctx, env.AppID, id, "bob"); !errors.Is(err, errcode.NotGroupMember) {
		t.Errorf("a removed member's history: %v", err)
	}
	env.Call("alice", "/v1/group/destroyGroup", map[string]any{"groupId": id}).WantCode(t, 200)
	check(id, "alice", errcode.GroupDestroyed)
}
