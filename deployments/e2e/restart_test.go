//go:build e2e

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-common/testwait"
)

// TestGatewayKilledRestartsAtOnce: kill -9 of a gateway, restarted with the
// same brokerId within 1 s, serves within 5 s (it takes over its ZooKeeper
// node, still held by the dead process's session), and the sessions of the
// killed process are gone from Redis, so its users show offline at once.
func TestGatewayKilledRestartsAtOnce(t *testing.T) {
	distributedOnly(t, "kills one gateway process while the other serves")
	u := newUsers(t, "gwkill", 3)
	for i, user := range u[:2] {
		connect(t, user, 1, i == 0, device.Android)
	}
	for _, user := range u[:2] {
		if n := sessions(t, user); n != 1 {
			t.Fatalf("%s has %d sessions before the kill, want 1", user, n)
		}
	}
	cl.procs["gateway2"].Kill() // returns once the process is gone
	restarted := time.Now()
	if err := cl.startGateway(1); err != nil { // spawns at once; waits for /readyz
		t.Fatal(err)
	}
	ready := time.Since(restarted)
	t.Logf("gateway ready %v after its restart right after kill -9 (ZooKeeper session timeout 10s)", ready.Round(10*time.Millisecond))
	if ready > 5*time.Second {
		t.Errorf("ready %v after the restart, want within 5s", ready)
	}
	for _, user := range u[:2] {
		if n := sessions(t, user); n != 0 {
			t.Errorf("%s still has %d sessions of the killed gateway", user, n)
		}
	}
	d := connect(t, u[2], 1, false, device.IOS) // the restarted gateway serves
	testwait.Eventually(t, 5*time.Second, func() error {
		if n := sessions(t, d.user); n != 1 {
			return fmt.Errorf("%d sessions, want 1", n)
		}
		return nil
	})
}

// sessions returns the number of device sessions of user in Redis.
func sessions(t *testing.T, user string) int {
	t.Helper()
	out, err := redisCmd(cl.redisAddr, "HLEN", session.Key(cl.appID, user))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if _, err := fmt.Sscanf(out, ":%d", &n); err != nil {
		t.Fatalf("HLEN reply %q: %v", out, err)
	}
	return n
}
