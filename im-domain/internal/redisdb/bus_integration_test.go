//go:build integration

package redisdb_test

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/redisdb"
)

// An invalidation published by one node reaches the other node's handler
// of that topic; a subscription resets the caches first.
func TestBus_InvalidationReachesOtherNode(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rc := redisdb.Wrap(apitest.Redis(t), time.Minute)
	sender, receiver := rc.NewBus(log), rc.NewBus(log)
	topic := fmt.Sprintf("test-%d", apitest.RandomAppID())
	var mu sync.Mutex
	var dropped []string
	resets := 0
	receiver.Handle(topic, func(k string) { mu.Lock(); dropped = append(dropped, k); mu.Unlock() },
		func() { mu.Lock(); resets++; mu.Unlock() })
	go receiver.Run(t.Context())
	testwait.Until(t, 5*time.Second, "subscribed", func() bool { mu.Lock(); defer mu.Unlock(); return resets == 1 })
	if err := sender.Publish(t.Context(), topic, "7:alice"); err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, 5*time.Second, "invalidation received", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(dropped) == 1 && dropped[0] == "7:alice"
	})
}
