//go:build integration

package redisdb_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-tcp/redisdb"
)

// presenceEvents returns app's events in the presence stream since start
// as "user:online:clientType:imei", checking that versions increase.
func presenceEvents(t *testing.T, rdb *redis.Client, app uint32, start string) []string {
	t.Helper()
	msgs, err := rdb.XRange(t.Context(), session.PresenceStream, start, "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	last := int64(0)
	for _, m := range msgs {
		if m.Values[session.PresenceFieldApp] != strconv.FormatUint(uint64(app), 10) {
			continue
		}
		v, _ := strconv.ParseInt(fmt.Sprint(m.Values[session.PresenceFieldVersion]), 10, 64)
		if v <= last {
			t.Errorf("version %d after %d", v, last)
		}
		last = v
		out = append(out, fmt.Sprintf("%s:%s:%s:%s", m.Values[session.PresenceFieldUser], m.Values[session.PresenceFieldOnline],
			m.Values[session.PresenceFieldClientType], m.Values[session.PresenceFieldIMEI]))
	}
	return out
}

// streamNow is a stream id before anything appended from now on.
func streamNow() string { return strconv.FormatInt(time.Now().Add(-time.Millisecond).UnixMilli(), 10) }

// TestPresenceEvents: the first live device of a user (on any broker)
// appends online, the last one leaving appends offline, devices in
// between append nothing; a stale field does not count; a purge of the
// last device appends offline.
func TestPresenceEvents(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb *redis.Client, app uint32) {
		b1, b2 := fmt.Sprintf("p1-%d", app), fmt.Sprintf("p2-%d", app)
		t.Cleanup(func() { rdb.Del(t.Context(), session.BrokerKey(b1), session.BrokerKey(b2)) })
		ss := redisdb.NewSessions(rdb, time.Minute)
		ctx, ttl, now := t.Context(), time.Minute, time.Now().UnixMilli()
		web := device.ID{AppID: app, UserID: "u", Type: device.Web, IMEI: "w"}
		ios := device.ID{AppID: app, UserID: "u", Type: device.IOS, IMEI: "i"}
		sw := session.Session{Broker: b1, ClientType: device.Web, IMEI: "w", LoginTime: now, Seen: now}
		si := session.Session{Broker: b2, ClientType: device.IOS, IMEI: "i", LoginTime: now + 1, Seen: now + 1}
		start := streamNow()
		must := func(_ any, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(ss.Claim(ctx, web, sw, ttl)) // online
		must(ss.Claim(ctx, ios, si, ttl)) // nothing
		must(ss.Touch(ctx, web, sw, ttl)) // nothing
		must(ss.Remove(ctx, web, sw))     // nothing: ios stays
		must(ss.Remove(ctx, ios, si))     // offline
		must(ss.Claim(ctx, ios, si, ttl)) // online
		must(ss.Purge(ctx, b2))           // offline
		stale := session.Session{Broker: b1, ClientType: device.Web, IMEI: "w", LoginTime: 1, Seen: 1}
		must(ss.Claim(ctx, web, stale, ttl)) // a stale field is not live: nothing
		must(ss.Claim(ctx, ios, si, ttl))    // online
		want := []string{"u:1:1:w", "u:0:2:i", "u:1:2:i", "u:0:2:i", "u:1:2:i"}
		if got := presenceEvents(t, rdb, app, start); !slices.Equal(got, want) {
			t.Errorf("events = %v, want %v", got, want)
		}
	})
}

// TestPresenceRaceBetweenBrokers: two brokers logging the same user's
// devices in and out concurrently append online and offline strictly
// alternating, starting with online, and end offline.
func TestPresenceRaceBetweenBrokers(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb *redis.Client, app uint32) {
		b1, b2 := fmt.Sprintf("r1-%d", app), fmt.Sprintf("r2-%d", app)
		t.Cleanup(func() { rdb.Del(t.Context(), session.BrokerKey(b1), session.BrokerKey(b2)) })
		ss := redisdb.NewSessions(rdb, time.Minute)
		start := streamNow()
		var wg sync.WaitGroup
		for i, b := range []string{b1, b2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := device.ID{AppID: app, UserID: "u", Type: device.Type(i + 1), IMEI: b}
				for range 50 {
					now := time.Now().UnixMilli()
					s := session.Session{Broker: b, ClientType: id.Type, IMEI: b, LoginTime: now, Seen: now}
					if _, err := ss.Claim(t.Context(), id, s, time.Minute); err != nil {
						t.Error(err)
						return
					}
					if _, err := ss.Remove(t.Context(), id, s); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		got := presenceEvents(t, rdb, app, start)
		if len(got) < 2 || len(got)%2 != 0 {
			t.Fatalf("%d events, want an even number >= 2", len(got))
		}
		for i, e := range got {
			if want := []string{"u:1:", "u:0:"}[i%2]; !strings.HasPrefix(e, want) {
				t.Fatalf("event %d = %s, want %s...: %v", i, e, want, got)
			}
		}
	})
}
