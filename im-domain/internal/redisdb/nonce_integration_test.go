//go:build integration

package redisdb_test

import (
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/redisdb"
)

// A random is fresh once per (app, admin) for the TTL it was claimed with.
func TestClaimNonce(t *testing.T) {
	rdb := apitest.Redis(t)
	c := redisdb.Wrap(rdb, time.Minute)
	app := apitest.RandomAppID()
	t.Cleanup(func() {
		rdb.Del(t.Context(), redisdb.NonceKey(app, "admin", "r1"), redisdb.NonceKey(app, "admin2", "r1"))
	})
	for _, step := range []struct {
		who, random string
		fresh       bool
	}{{"admin", "r1", true}, {"admin", "r1", false}, {"admin2", "r1", true}} {
		fresh, err := c.ClaimNonce(t.Context(), app, step.who, step.random, 90*time.Second)
		if err != nil || fresh != step.fresh {
			t.Fatalf("ClaimNonce(%s, %s) = %v, %v; want %v", step.who, step.random, fresh, err, step.fresh)
		}
	}
	if ttl := rdb.TTL(t.Context(), redisdb.NonceKey(app, "admin", "r1")).Val(); ttl <= 80*time.Second || ttl > 90*time.Second {
		t.Errorf("TTL = %v, want the sign's remaining lifetime 90s", ttl)
	}
}
