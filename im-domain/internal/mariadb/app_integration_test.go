//go:build integration

package mariadb_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/app"
)

// TestModifyApp_LocksTheRow: a second change of the same app waits for the
// first to commit and starts from its result, so neither is lost.
func TestModifyApp_LocksTheRow(t *testing.T) {
	db := open(t)
	id := apitest.RandomAppID()
	if err := db.SaveApp(t.Context(), &app.App{ID: id, Secret: "0123456789abcdef", Admins: []string{"admin"}, Settings: app.DefaultSettings()}); err != nil {
		t.Fatal(err)
	}
	inFirst, release, firstDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		_, err := db.ModifyApp(t.Context(), id, func(a *app.App) error {
			close(inFirst)
			<-release
			a.Settings.FriendCheckOnSend = true
			return nil
		})
		firstDone <- err
	}()
	<-inFirst
	second := make(chan *app.App, 1)
	go func() {
		a, _ := db.ModifyApp(t.Context(), id, func(a *app.App) error {
			a.Settings.RecallWindow, a.Settings.EditWindow = time.Minute, 90*time.Second
			return nil
		})
		second <- a
	}()
	// The second waits on the row lock: its locking read stays in the
	// process list. (INNODB_TRX is no probe: MariaDB 10.11 waits for the
	// lock of a primary-key read while optimizing, state "Statistics",
	// before the transaction is listed there.)
	locking := fmt.Sprintf("%%app_id = %d %%FOR UPDATE%%", id)
	testwait.Eventually(t, 30*time.Second, func() error {
		var n int
		err := db.Gorm.Raw("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND COMMAND = 'Query' AND INFO LIKE ?", locking).Scan(&n).Error
		if err != nil || n == 0 {
			return fmt.Errorf("the second change is not waiting yet (%v)", err)
		}
		return nil
	})
	close(release)
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	if a := <-second; a == nil || !a.Settings.FriendCheckOnSend || a.Settings.RecallWindow != time.Minute {
		t.Fatalf("second change started from a stale row: %+v", a)
	}
	got, _ := db.App(t.Context(), id)
	if !got.Settings.FriendCheckOnSend || got.Settings.RecallWindow != time.Minute || got.Settings.EditWindow != 90*time.Second {
		t.Fatalf("stored %+v: a change was lost", got.Settings)
	}
}
