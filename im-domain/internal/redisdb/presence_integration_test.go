//go:build integration

package redisdb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/presence"
	"github.com/whaleim/whaleim/im-domain/internal/redisdb"
)

// TestPresenceAdapter, on Redis and on miniredis: the domain's kicks
// append offline changes that the stream reader hands over once, a user
// without a live session appends none; subscriptions end at their time;
// custom statuses round-trip with increasing versions.
func TestPresenceAdapter(t *testing.T) {
	for name, rdb := range map[string]func(testing.TB) *redis.Client{"redis": apitest.Redis, "miniredis": apitest.Miniredis} {
		t.Run(name, func(t *testing.T) { testPresenceAdapter(t, rdb(t)) })
	}
}

func testPresenceAdapter(t *testing.T, rdb *redis.Client) {
	app := apitest.RandomAppID()
	stream := fmt.Sprintf("%d:presenceStream", app)
	t.Cleanup(func() { rdb.Del(context.Background(), stream, session.PresenceSeqKey(app)) })
	c := redisdb.Wrap(rdb, time.Minute, redisdb.PresenceStream(stream))
	p := c.NewPresence(slog.New(slog.NewTextHandler(io.Discard, nil)))
	got := make(chan presence.Change, 10)
	ctx, stop := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- p.Run(ctx, func(_ context.Context, ch presence.Change) { got <- ch }) }()
	t.Cleanup(func() { stop(); <-done })
	testwait.Eventually(t, 5*time.Second, func() error {
		if gs, err := rdb.XInfoGroups(t.Context(), stream).Result(); err != nil || len(gs) != 1 {
			return fmt.Errorf("group not there yet: %v", err)
		}
		return nil
	})

	online := func(user, imei string) session.Session {
		now := time.Now().UnixMilli()
		s := session.Session{Broker: "gw", ClientType: device.IOS, IMEI: imei, LoginTime: now, Seen: now}
		v, _ := json.Marshal(s)
		rdb.HSet(t.Context(), session.Key(app, user), device.ID{Type: device.IOS, IMEI: imei}.Field(), v)
		t.Cleanup(func() { rdb.Del(context.Background(), session.Key(app, user)) })
		return s
	}
	a := online("a", "a1")
	online("b", "b1")
	if n, err := c.DropDevices(t.Context(), app, "a", []session.Session{a}); err != nil || n != 1 {
		t.Fatalf("DropDevices = %d, %v", n, err)
	}
	if err := c.DropSessions(t.Context(), app, []string{"nobody", "b"}); err != nil {
		t.Fatal(err)
	}
	var changes []presence.Change
	for range 2 {
		select {
		case ch := <-got:
			changes = append(changes, ch)
		case <-time.After(5 * time.Second):
			t.Fatalf("changes so far %+v, want 2", changes)
		}
	}
	want := []presence.Change{
		{AppID: app, UserID: "a", Device: device.ID{AppID: app, UserID: "a", Type: device.IOS, IMEI: "a1"}},
		{AppID: app, UserID: "b", Device: device.ID{AppID: app, UserID: "b"}},
	}
	for i, ch := range changes {
		if ch.Online || ch.Version != int64(i+1) || ch.Time == 0 || ch.AppID != want[i].AppID || ch.UserID != want[i].UserID || ch.Device != want[i].Device {
			t.Errorf("change %d = %+v, want %+v (offline, version %d)", i, ch, want[i], i+1)
		}
	}
	select {
	case ch := <-got:
		t.Errorf("unexpected change %+v", ch)
	case <-time.After(100 * time.Millisecond):
	}

	if err := p.Subscribe(t.Context(), app, "s1", []string{"a"}, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := p.Subscribe(t.Context(), app, "s2", []string{"a"}, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Del(context.Background(), fmt.Sprintf("%d:subscribers:a", app)) })
	if subs, err := p.Subscribers(t.Context(), app, "a"); err != nil || !slices.Equal(subs, []string{"s1"}) {
		t.Errorf("subscribers = %v, %v; want [s1]", subs, err)
	}
	t.Cleanup(func() { rdb.Del(context.Background(), fmt.Sprintf("%d:customStatus:a", app)) })
	v, err := p.SetCustom(t.Context(), app, "a", presence.Custom{Text: "away", Status: 2})
	if err != nil || v != 3 {
		t.Errorf("SetCustom version = %d, %v; want 3", v, err)
	}
	if cs, err := p.Customs(t.Context(), app, []string{"a", "b"}); err != nil || len(cs) != 1 || cs["a"] != (presence.Custom{Text: "away", Status: 2}) {
		t.Errorf("customs = %+v, %v", cs, err)
	}
}
