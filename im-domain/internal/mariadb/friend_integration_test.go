//go:build integration

package mariadb_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/friend"
	"github.com/whaleim/whaleim/im-domain/internal/mariadb"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
	"github.com/whaleim/whaleim/im-domain/internal/user"
)

// Concurrent adds, deletes and blocks of one pair from both sides never
// deadlock (the counter lock is taken first), every row change gets a
// distinct sequence, and Relation sees each change made through the service.
func TestFriendConcurrentChangesSerialise(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *mariadb.DB) {
		ctx := t.Context()
		app := apitest.RandomAppID()
		if err := db.UpsertUsers(ctx, app, []user.User{{ID: "a", FriendAllowType: 1, Type: 1}, {ID: "b", FriendAllowType: 1, Type: 1}}); err != nil {
			t.Fatal(err)
		}
		svc := friend.NewService(db, db, friendNotifier{}, nil, nil, 0, slog.New(slog.NewTextHandler(io.Discard, nil)))
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 20 {
			from, to := "a", "b"
			if i%2 == 1 {
				from, to = to, from
			}
			wg.Go(func() {
				_, err := svc.Add(ctx, app, from, friend.Item{ToID: to}, nil)
				if err != nil && !errors.Is(err, errcode.AlreadyFriends) {
					errs <- err
				}
				if _, err := svc.Delete(ctx, app, from, to, nil); err != nil && !errors.Is(err, errcode.NotFriends) {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent change: %v", err)
		}
		var n, distinct int64
		err := db.Gorm.Raw("SELECT COUNT(*), COUNT(DISTINCT seq) FROM (SELECT sequence AS seq FROM friendships WHERE app_id = ?) x", app).Row().Scan(&n, &distinct)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 || distinct != 2 {
			t.Errorf("rows %d, distinct sequences %d", n, distinct)
		}
		if _, err := svc.Add(ctx, app, "a", friend.Item{ToID: "b"}, nil); err != nil && !errors.Is(err, errcode.AlreadyFriends) {
			t.Fatal(err)
		}
		if _, err := svc.Add(ctx, app, "b", friend.Item{ToID: "a"}, nil); err != nil && !errors.Is(err, errcode.AlreadyFriends) {
			t.Fatal(err)
		}
		if ok, blocked, err := svc.Relation(ctx, app, "a", "b"); err != nil || !ok || blocked {
			t.Fatalf("relation = %v %v %v", ok, blocked, err)
		}
		if _, err := svc.Block(ctx, app, "b", "a", nil); err != nil {
			t.Fatal(err)
		}
		if _, blocked, _ := svc.Relation(ctx, app, "a", "b"); !blocked {
			t.Fatal("block not seen by the cached relation")
		}
	})
}

type friendNotifier struct{}

func (friendNotifier) Notify(context.Context, notify.Event) error { return nil }
