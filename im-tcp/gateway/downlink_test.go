package gateway

import (
	"encoding/json"
	"fmt"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/testwait"
)

// pushBody encodes pushes as one downlink queue message.
func pushBody(tb testing.TB, pushes ...mq.Push) []byte {
	tb.Helper()
	return mq.AppendPushes(nil, pushes)
}

// delivery is a push of a message id to the given devices.
func delivery(id string, to ...device.ID) mq.Push {
	return mq.Push{Version: mq.Version, Command: command.MessageP2P, AppID: 7, To: to, MessageID: id,
		Data: json.RawMessage(`{"messageId":"` + id + `"}`)}
}

// messageIDs returns the messageId of every frame written to tr.
func messageIDs(t *testing.T, tr *fakeTransport) []string {
	t.Helper()
	var out []string
	for _, f := range tr.written() {
		var env struct{ MessageID string }
		if err := json.Unmarshal(f.Body, &env); err != nil {
			t.Fatal(err)
		}
		if env.MessageID != "" {
			out = append(out, env.MessageID)
		}
	}
	return out
}

// TestDeliverKeepsQueueOrder: a batch of downlink messages decoded on
// several goroutines reaches every connection in queue order; targets not
// connected here are skipped, and an undecodable message loses nothing else.
func TestDeliverKeepsQueueOrder(t *testing.T) {
	tests := []struct {
		name    string
		workers int
		bodies  int
	}{
		{"one worker", 1, 20},
		{"more workers than messages", 64, 20},
		{"several workers", 4, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, _, _ := testGateway(t, device.PolicyUnlimited)
			g.cfg.DownlinkWorkers = tt.workers
			g.cfg.WriteQueue = 4 * tt.bodies // a burst this size is not a slow consumer
			a, ta := login(t, g, "alice", device.IOS, "i1")
			b, tb := login(t, g, "bob", device.IOS, "i2")
			absent := device.ID{AppID: 7, UserID: "carol", Type: device.IOS, IMEI: "i3"}
			var bodies [][]byte
			var want []string
			for i := range tt.bodies {
				if i == tt.bodies/2 {
					bodies = append(bodies, []byte("garbage"))
				}
				x, y := fmt.Sprintf("m%d-x", i), fmt.Sprintf("m%d-y", i)
				bodies = append(bodies, pushBody(t, delivery(x, a.id, absent), delivery(y, b.id, a.id)))
				want = append(want, x, y)
			}
			skipped := testutil.ToFloat64(g.metrics.pushesSkipped)
			if err := g.deliver(t.Context(), bodies); err != nil {
				t.Fatal(err)
			}
			testwait.Until(t, 5*time.Second, "alice's frames", func() bool { return len(messageIDs(t, ta)) >= len(want) })
			if got := messageIDs(t, ta); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("alice got %v\nwant %v", got, want)
			}
			testwait.Until(t, 5*time.Second, "bob's frames", func() bool { return len(messageIDs(t, tb)) >= tt.bodies })
			if got := testutil.ToFloat64(g.metrics.pushesSkipped) - skipped; got != float64(tt.bodies) {
				t.Errorf("skipped %v targets, want %d", got, tt.bodies)
			}
		})
	}
}

// discardTransport is a transport whose writes cost nothing, for
// benchmarks; nothing reads from it.
type discardTransport struct{}

func (discardTransport) read() (packet.Client, error)    { return packet.Client{}, io.EOF }
func (discardTransport) write([][]byte, time.Time) error { return nil }
func (discardTransport) close() error                    { return nil }
func (discardTransport) kind() string                    { return "discard" }

// BenchmarkDeliver measures the downlink stage: decoding a batch of 64
// push batches of 20 pushes each, framing them for 200 connected devices
// and queueing them in order; 1:1 pushes have one target, group pushes all
// 200. One op is one delivered frame.
func BenchmarkDeliver(b *testing.B) {
	for _, targets := range []int{1, 200} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("targets=%d/workers=%d", targets, workers), func(b *testing.B) {
				g, ids := benchGateway(b, 200)
				g.cfg.DownlinkWorkers = workers
				g.cfg.WriteQueue = 1 << 20 // the discarding writer may lag: not a slow consumer
				bodies := make([][]byte, 64)
				for i := range bodies {
					var ps []mq.Push
					for j := range 20 {
						to := ids[(i*20+j)%len(ids):][:1]
						if targets > 1 {
							to = ids
						}
						ps = append(ps, delivery(fmt.Sprintf("msg-%06d-%02d", i, j), to...))
					}
					bodies[i] = pushBody(b, ps...)
				}
				b.ReportAllocs()
				b.ResetTimer()
				defer reportCPU(b)()
				for n := 0; n < b.N; n += 64 * 20 * targets {
					if err := g.deliver(b.Context(), bodies); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// benchGateway returns a gateway with n logged-in devices on discarding
// transports.
func benchGateway(b *testing.B, n int) (*Gateway, []device.ID) {
	g, _, _ := testGateway(b, device.PolicyUnlimited)
	ids := make([]device.ID, n)
	for i := range ids {
		ids[i] = device.ID{AppID: 7, UserID: fmt.Sprintf("user-%04d", i), Type: device.Web, IMEI: "bench"}
		c := newConn(g, discardTransport{}, "ip", time.Now())
		c.id = ids[i]
		c.state.Store(stateAuthed)
		g.hub.bind(c)
	}
	return g, ids
}

// reportCPU adds the process CPU time per op to a benchmark's results:
// on a shared machine wall time per op says little.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
