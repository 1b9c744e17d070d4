package gateway

import (
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
)

// TestPingRefreshThrottle checks that pings refresh the session at most
// every SessionTTL/3 (60 s with the default 180 s TTL) while every ping
// still gets its pong. It runs on synctest's fake clock.
func TestPingRefreshThrottle(t *testing.T) {
	tests := []struct {
		name      string
		every     time.Duration // ping interval; the first ping comes right after login
		pings     int
		fail      error // Touch error
		taken     bool  // Touch reports another connection owns the session
		wantAt    []time.Duration
		wantPongs int
	}{
		{"ping every second", time.Second, 130, nil, false, []time.Duration{60 * time.Second, 120 * time.Second}, 130},
		{"ping slower than the throttle", 50 * time.Second, 5, nil, false, []time.Duration{100 * time.Second, 200 * time.Second}, 5},
		{"failed refresh retried at the next ping", time.Second, 62, errors.New("redis down"), false,
			[]time.Duration{60 * time.Second, 61 * time.Second}, 62},
		{"taken over: closed without a pong", time.Second, 61, nil, true, []time.Duration{60 * time.Second}, 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g, _, ss := testGateway(t, device.PolicyUnlimited)
				c, tr := login(t, g, "u", device.Web, "w")
				ss.touchErr, ss.taken = tt.fail, tt.taken
				start := time.Now()
				ping := packet.Client{Command: command.Ping, AppID: 7, Device: device.Web, IMEI: "w"}
				for i := range tt.pings {
					if i > 0 {
						time.Sleep(tt.every)
					}
					c.handle(t.Context(), ping)
					synctest.Wait() // the writer flushed the pong
				}
				var at []time.Duration
				for _, s := range ss.touched() {
					at = append(at, time.UnixMilli(s.Seen).Sub(start).Truncate(time.Second))
				}
				if !slices.Equal(at, tt.wantAt) {
					t.Errorf("refreshed at %v, want %v", at, tt.wantAt)
				}
				if n := countFrames(tr, command.Ping); n != tt.wantPongs {
					t.Errorf("%d pongs for %d pings, want %d", n, tt.pings, tt.wantPongs)
				}
				if tr.isClosed() != tt.taken {
					t.Errorf("closed = %v, want %v", tr.isClosed(), tt.taken)
				}
			})
		})
	}
}

// countFrames counts the frames written with cmd.
func countFrames(tr *fakeTransport, cmd command.Code) int {
	n := 0
	for _, f := range tr.written() {
		if f.Command == cmd {
			n++
		}
	}
	return n
}
