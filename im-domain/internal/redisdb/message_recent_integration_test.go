//go:build integration

package redisdb_test

import (
	"errors"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/redisdb"
)

func TestRecent_ByKeyAndBySeqUntilTTL(t *testing.T) {
	rdb := apitest.Redis(t)
	app := apitest.RandomAppID()
	r := redisdb.Wrap(rdb, time.Minute).NewRecent(time.Second)
	m := mq.Message{AppID: app, Kind: mq.Group, ConversationID: "group:g:1", FromID: "alice", GroupID: "g:1",
		MessageID: "m1", MessageKey: 42, Seq: 7, Time: 1}
	if err := r.RememberAll(t.Context(), []mq.Message{m}); err != nil {
		t.Fatal(err)
	}
	for name, find := range map[string]func() (mq.Message, bool, error){
		"by key": func() (mq.Message, bool, error) { return r.ByKey(t.Context(), app, 42) },
		"by seq": func() (mq.Message, bool, error) { return r.BySeq(t.Context(), app, "group:g:1", 7) },
	} {
		if got, ok, err := find(); err != nil || !ok || got != m {
			t.Fatalf("%s: %+v %v %v", name, got, ok, err)
		}
	}
	if _, ok, err := r.BySeq(t.Context(), app, "group:g:1", 8); ok || err != nil {
		t.Fatalf("other seq found: %v %v", ok, err)
	}
	if _, ok, err := r.ByKey(t.Context(), app+1, 42); ok || err != nil {
		t.Fatalf("other app found: %v %v", ok, err)
	}
	testwait.Eventually(t, 5*time.Second, func() error {
		if _, ok, _ := r.ByKey(t.Context(), app, 42); ok {
			return errTTL
		}
		return nil
	})
}

var errTTL = errors.New("recent record still there after its TTL")
