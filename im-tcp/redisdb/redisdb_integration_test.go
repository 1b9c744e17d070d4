//go:build integration

package redisdb_test

import (
	"cmp"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-tcp/gateway"
	"github.com/whaleim/whaleim/im-tcp/redisdb"
)

// eachRedis runs fn on a real Redis (IM_TEST_REDIS_ADDR) and on miniredis,
// the standalone binary's in-process Redis, with a random app id whose keys
// are deleted after the test: one contract for both.
func eachRedis(t *testing.T, fn func(t *testing.T, rdb *redis.Client, app uint32)) {
	t.Run("redis", func(t *testing.T) { fn(fixture(t, cmp.Or(os.Getenv("IM_TEST_REDIS_ADDR"), "127.0.0.1:6379"))) })
	t.Run("miniredis", func(t *testing.T) {
		m := miniredis.NewMiniRedis()
		if err := m.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(m.Close)
		fn(fixture(t, m.Addr()))
	})
}

// fixture connects to the Redis at addr and returns a random app id whose
// keys are deleted after the test.
func fixture(t *testing.T, addr string) (*testing.T, *redis.Client, uint32) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	if err := rdb.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("redis %s unreachable: %v", addr, err)
	}
	app := 1<<30 + rand.Uint32N(1<<30)
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := rdb.Keys(ctx, strconv.FormatUint(uint64(app), 10)+":*").Result()
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
		rdb.Close()
	})
	return t, rdb, app
}

// TestSessions walks one user's session hash through the gateway's
// lifecycle: logins, heartbeats, a takeover and disconnects.
func TestSessions(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb *redis.Client, app uint32) {
		ss := redisdb.NewSessions(rdb, time.Minute)
		ctx, ttl := t.Context(), time.Minute
		web := device.ID{AppID: app, UserID: "u", Type: device.Web, IMEI: "w"}
		ios := device.ID{AppID: app, UserID: "u", Type: device.IOS, IMEI: "i"}
		s1 := session.Session{Broker: "b1", ClientType: device.Web, IMEI: "w", LoginTime: 100, Seen: 100}
		s2 := session.Session{Broker: "b2", ClientType: device.IOS, IMEI: "i", LoginTime: 200, Seen: 200}
		newer := session.Session{Broker: "b2", ClientType: device.Web, IMEI: "w", LoginTime: 300, Seen: 300}
		seen := func(s session.Session, at int64) session.Session { s.Seen = at; return s }
		steps := []struct {
			name string
			do   func() (any, error)
			want any
		}{
			{"first claim sees nothing", claim(ctx, ss, web, s1, ttl), map[string]session.Session{}},
			{"second device sees the first", claim(ctx, ss, ios, s2, ttl), map[string]session.Session{web.Field(): s1}},
			{"owner touches", touch(ctx, ss, web, seen(s1, 150), ttl), true},
			{"remove by a stranger is refused", remove(ctx, ss, web, newer), false},
			{"takeover claim sees the touched session", claim(ctx, ss, web, newer, ttl),
				map[string]session.Session{web.Field(): seen(s1, 150), ios.Field(): s2}},
			{"old owner's touch is refused", touch(ctx, ss, web, seen(s1, 400), ttl), false},
			{"old owner's remove is refused", remove(ctx, ss, web, s1), false},
			{"new owner removes", remove(ctx, ss, web, newer), true},
			{"touch re-creates a missing field", touch(ctx, ss, web, seen(newer, 500), ttl), true},
			{"claim sees the re-created field", claim(ctx, ss, ios, s2, ttl),
				map[string]session.Session{web.Field(): seen(newer, 500), ios.Field(): s2}},
		}
		for _, st := range steps {
			got, err := st.do()
			if err != nil || !equal(got, st.want) {
				t.Fatalf("%s: got %v (%v), want %v", st.name, got, err, st.want)
			}
		}
		pttl, err := rdb.PTTL(ctx, session.Key(app, "u")).Result()
		if err != nil || pttl <= 0 || pttl > ttl {
			t.Errorf("hash TTL %v (%v), want (0, %v]", pttl, err, ttl)
		}
	})
}

func claim(ctx context.Context, ss *redisdb.Sessions, id device.ID, s session.Session, ttl time.Duration) func() (any, error) {
	return func() (any, error) { return ss.Claim(ctx, id, s, ttl) }
}

func touch(ctx context.Context, ss *redisdb.Sessions, id device.ID, s session.Session, ttl time.Duration) func() (any, error) {
	return func() (any, error) { return ss.Touch(ctx, id, s, ttl) }
}

func remove(ctx context.Context, ss *redisdb.Sessions, id device.ID, s session.Session) func() (any, error) {
	return func() (any, error) { return ss.Remove(ctx, id, s) }
}

// equal compares step results: booleans or session maps.
func equal(got, want any) bool {
	g, ok1 := got.(map[string]session.Session)
	w, ok2 := want.(map[string]session.Session)
	if !ok1 || !ok2 {
		return got == want
	}
	if len(g) != len(w) {
		return false
	}
	for k, v := range w {
		if g[k] != v {
			return false
		}
	}
	return true
}

func TestApps(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb *redis.Client, app uint32) {
		apps := redisdb.NewApps(rdb)
		tests := []struct {
			name    string
			fields  []string // the app hash; nil: no hash
			want    gateway.App
			wantErr error
		}{
			{"unknown app", nil, gateway.App{}, errcode.AppNotFound},
			{"no secret is unknown", []string{session.AppFieldPolicy, "1"}, gateway.App{}, errcode.AppNotFound},
			{"secret and policy", []string{session.AppFieldSecret, "s", session.AppFieldPolicy, strconv.Itoa(int(device.PolicyOneDevice))},
				gateway.App{Secret: []byte("s"), Policy: device.PolicyOneDevice}, nil},
			{"invalid policy means unlimited", []string{session.AppFieldSecret, "s", session.AppFieldPolicy, "x"},
				gateway.App{Secret: []byte("s"), Policy: device.PolicyUnlimited}, nil},
			{"previous secret with its window", []string{session.AppFieldSecret, "s", session.AppFieldPrevSecret, "p", session.AppFieldPrevUntil, "1764000000123"},
				gateway.App{Secret: []byte("s"), Policy: device.PolicyUnlimited, Previous: []byte("p"), PreviousUntil: time.UnixMilli(1764000000123)}, nil},
			{"previous secret without a window is ignored", []string{session.AppFieldSecret, "s", session.AppFieldPrevSecret, "p", session.AppFieldPrevUntil, ""},
				gateway.App{Secret: []byte("s"), Policy: device.PolicyUnlimited}, nil},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				id := app + uint32(i)
				if tt.fields != nil {
					if err := rdb.HSet(t.Context(), session.AppKey(id), tt.fields).Err(); err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { rdb.Del(context.Background(), session.AppKey(id)) })
				}
				got, err := apps.App(t.Context(), id)
				if !errors.Is(err, tt.wantErr) || string(got.Secret) != string(tt.want.Secret) || got.Policy != tt.want.Policy ||
					string(got.Previous) != string(tt.want.Previous) || !got.PreviousUntil.Equal(tt.want.PreviousUntil) {
					t.Errorf("App = %+v, %v; want %+v, %v", got, err, tt.want, tt.wantErr)
				}
			})
		}
	})
}

// TestPurge: the broker index follows claims, takeovers and removals, and
// Purge deletes exactly the sessions the broker still owns.
func TestPurge(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb *redis.Client, app uint32) {
		ss := redisdb.NewSessions(rdb, time.Minute)
		ctx, ttl := t.Context(), time.Minute
		dead, live := "dead-"+strconv.Itoa(int(app)), "live-"+strconv.Itoa(int(app))
		t.Cleanup(func() { rdb.Del(context.Background(), session.BrokerKey(dead), session.BrokerKey(live)) })
		dev := func(u string) device.ID { return device.ID{AppID: app, UserID: u, Type: device.IOS, IMEI: "i"} }
		on := func(b string, at int64) session.Session {
			return session.Session{Broker: b, ClientType: device.IOS, IMEI: "i", LoginTime: at, Seen: at}
		}
		for _, step := range []struct {
			id device.ID
			s  session.Session
		}{
			{dev("a"), on(dead, 1)}, {dev("b"), on(dead, 2)}, {dev("c"), on(dead, 3)}, {dev("d"), on(live, 4)},
			{dev("c"), on(live, 5)}, // c moved to the live broker
		} {
			if _, err := ss.Claim(ctx, step.id, step.s, ttl); err != nil {
				t.Fatal(err)
			}
		}
		if ok, err := ss.Remove(ctx, dev("b"), on(dead, 2)); !ok || err != nil {
			t.Fatalf("remove b = %v, %v", ok, err)
		}
		// The old connection of c on the dead broker disconnects: its member goes.
		if ok, _ := ss.Remove(ctx, dev("c"), on(dead, 3)); ok {
			t.Fatal("the old connection removed c's new session")
		}
		members, _ := rdb.SMembers(ctx, session.BrokerKey(dead)).Result()
		if len(members) != 1 || members[0] != session.BrokerMember(dev("a")) {
			t.Fatalf("dead broker index = %v, want only a", members)
		}
		n, err := ss.Purge(ctx, dead)
		if err != nil || n != 1 {
			t.Fatalf("Purge = %d, %v; want 1", n, err)
		}
		for u, want := range map[string]bool{"a": false, "b": false, "c": true, "d": true} {
			got, _ := rdb.HExists(ctx, session.Key(app, u), dev(u).Field()).Result()
			if got != want {
				t.Errorf("session of %s present = %v, want %v", u, got, want)
			}
		}
		if n, _ := rdb.Exists(ctx, session.BrokerKey(dead)).Result(); n != 0 {
			t.Error("the purged broker's index is still there")
		}
		if pttl, _ := rdb.PTTL(ctx, session.BrokerKey(live)).Result(); pttl <= 0 || pttl > ttl {
			t.Errorf("index TTL %v, want (0, %v]", pttl, ttl)
		}
		// Indexed: the live broker has sessions, the purged one none; once
		// the index is lost (Redis restarted empty), a touch brings it back.
		for b, want := range map[string]bool{live: true, dead: false} {
			if got, err := ss.Indexed(ctx, b); got != want || err != nil {
				t.Errorf("Indexed(%s) = %v, %v; want %v", b, got, err, want)
			}
		}
		rdb.Del(ctx, session.BrokerKey(live), session.Key(app, "d"))
		if got, _ := ss.Indexed(ctx, live); got {
			t.Error("Indexed after the index was deleted")
		}
		if ok, err := ss.Touch(ctx, dev("d"), on(live, 4), ttl); !ok || err != nil {
			t.Fatalf("touch of the lost session = %v, %v", ok, err)
		}
		if got, _ := ss.Indexed(ctx, live); !got {
			t.Error("the touch did not re-create the index")
		}
	})
}
