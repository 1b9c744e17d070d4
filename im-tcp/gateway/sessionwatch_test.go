package gateway

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
)

// TestSessionsLostRewrittenAtNextPing: when Redis loses the gateway's
// sessions (restarted empty) while its clients stay connected, the watch
// notices and the next ping of each connection rewrites its session at
// once, instead of a third of the session TTL later; then the refresh
// throttle applies again.
func TestSessionsLostRewrittenAtNextPing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, _, ss := testGateway(t, device.PolicyUnlimited)
		if g.checkSessions(t.Context()) {
			t.Fatal("no connection: nothing can be lost")
		}
		c, _ := login(t, g, "u", device.Web, "w")
		ping := packet.Client{Command: command.Ping, AppID: 7, Device: device.Web, IMEI: "w"}
		pingAfter := func(d time.Duration) {
			time.Sleep(d)
			c.handle(t.Context(), ping)
			synctest.Wait()
		}
		if g.checkSessions(t.Context()) {
			t.Fatal("sessions reported lost while Redis has them")
		}
		pingAfter(time.Second)
		if n := len(ss.touched()); n != 0 {
			t.Fatalf("%d refreshes a second after login, want 0 (throttled)", n)
		}
		ss.flush()
		if !g.checkSessions(t.Context()) {
			t.Fatal("lost sessions not noticed")
		}
		pingAfter(time.Second)
		if n := len(ss.touched()); n != 1 {
			t.Fatalf("%d refreshes at the ping after the loss, want 1", n)
		}
		if ok, _ := ss.Indexed(t.Context(), g.cfg.BrokerID); !ok {
			t.Fatal("the session was not rewritten")
		}
		if g.checkSessions(t.Context()) {
			t.Fatal("sessions reported lost after the rewrite")
		}
		pingAfter(time.Second)
		if n := len(ss.touched()); n != 1 {
			t.Fatalf("%d refreshes, want still 1: the throttle applies again", n)
		}
	})
}
