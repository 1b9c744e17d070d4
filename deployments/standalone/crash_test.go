package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-sdk/go/imclient"
)

// kill -9 of the standalone binary while four senders stream messages:
// after a restart on the same data folder, every message that was
// up-ACKed is stored, and the users and the group are still there.
func TestKillNine_KeepsEveryUpAckedMessage(t *testing.T) {
	in := newInstance(t)
	in.start(t)
	in.admin(t, "/v1/user/importUser", map[string]any{"userData": []map[string]string{{"userId": "alice"}, {"userId": "bob"}}})
	in.admin(t, "/v1/group/createGroup", map[string]any{"groupId": "demo", "groupName": "Demo", "groupType": 2,
		"ownerId": "alice", "member": []map[string]string{{"memberId": "bob"}}})
	alice := in.login(t, "alice")

	var mu sync.Mutex
	var acked []string
	var n atomic.Int64
	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				m := imclient.Message{MessageID: fmt.Sprintf("w%d-%06d", w, i), ToID: "bob", Body: `{"text":"hi"}`}
				if w%2 == 1 {
					m.ToID, m.GroupID = "", "demo"
				}
				ack, err := alice.Send(ctx, m)
				if err != nil {
					return // the connection died with the process
				}
				if ack.Err() == nil {
					mu.Lock()
					acked = append(acked, m.MessageID)
					mu.Unlock()
					n.Add(1)
				}
			}
		})
	}
	if err := testwait.Poll(60*time.Second, func() error {
		if n.Load() < 400 {
			return fmt.Errorf("%d up-ACKs so far", n.Load())
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	in.kill() // mid-stream: the senders are still sending
	stop()
	wg.Wait()

	in.start(t)
	db := in.database(t)
	mu.Lock()
	ids := acked
	mu.Unlock()
	err := testwait.Poll(30*time.Second, func() error { // the store drains the replayed queue
		if got := storedIDs(t, db, ids); len(got) != len(ids) {
			return fmt.Errorf("%d of %d up-ACKed messages stored", len(got), len(ids))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var users, groups int64
	db.Table("users").Where("app_id = ?", testApp).Count(&users)
	db.Table("chat_groups").Where("app_id = ? AND group_id = ?", testApp, "demo").Count(&groups)
	if users != 2 || groups != 1 {
		t.Errorf("after restart: %d users, %d groups; want 2 and 1", users, groups)
	}
	t.Logf("%d up-ACKed messages before kill -9, all stored after restart", len(ids))
}
