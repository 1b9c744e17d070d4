package gateway

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/testwait"
)

// pingFrame is a small downlink frame for the writer tests.
var pingFrame = packet.Server{Command: command.Ping, Body: []byte("{}")}.Append(nil)

// blockedConn returns a connection whose writer took one frame and hangs
// in its write, so its queue is empty and fills exactly.
func blockedConn(t *testing.T, g *Gateway) (*conn, *fakeTransport) {
	t.Helper()
	tr := newFakeTransport()
	tr.block = make(chan struct{})
	c := newConn(g, tr, "ip", time.Now())
	if !c.send(pingFrame, false) {
		t.Fatal("first frame refused")
	}
	testwait.Until(t, 5*time.Second, "writer blocked", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.queue) == 0 && c.since != 0
	})
	return c, tr
}

// TestAnswersNeverDropped: frames answering the client are queued whatever
// the queue holds; the read loop is what waits (TestWaitRoom).
func TestAnswersNeverDropped(t *testing.T) {
	g, _, _ := testGateway(t, device.PolicyUnlimited)
	c, tr := blockedConn(t, g)
	for i := range 3 * g.cfg.WriteQueue {
		if !c.send(pingFrame, false) {
			t.Fatalf("answer %d dropped", i)
		}
	}
	if tr.isClosed() {
		t.Fatal("a client was disconnected for its own answers")
	}
	close(tr.block)
	testwait.Until(t, 5*time.Second, "all written", func() bool { return len(tr.written()) == 1+3*g.cfg.WriteQueue })
}

// TestSlowConsumer: pushes disconnect a client only when its writer is
// stuck (it stopped reading) with a full queue, or when the queue reaches
// its hard bound; a burst to a reading client is kept whole.
func TestSlowConsumer(t *testing.T) {
	tests := []struct {
		name      string
		stall     bool // wait until the blocked write counts as stalled
		pushes    int  // pushes accepted before the last one
		writeTime time.Duration
		keep      bool // the last push is accepted too
	}{
		{"burst larger than the queue is kept", false, 2 * 8, time.Hour, true},
		{"stalled writer with a full queue", true, 8, 100 * time.Millisecond, false},
		{"hard bound", false, maxQueueFactor * 8, time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, _, _ := testGateway(t, device.PolicyUnlimited)
			g.cfg.WriteTimeout = tt.writeTime
			c, tr := blockedConn(t, g)
			for i := range tt.pushes {
				if !push(c, pingFrame) {
					t.Fatalf("push %d refused", i)
				}
			}
			if tt.stall {
				time.Sleep(c.writeStall()) // the condition under test is elapsed time itself
			}
			last := push(c, pingFrame)
			if tt.keep {
				if !last || tr.isClosed() {
					t.Fatal("a reading client was disconnected")
				}
				return
			}
			if last {
				t.Fatal("push accepted")
			}
			testwait.Until(t, 5*time.Second, "slow consumer closed", tr.isClosed)
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.queue != nil {
				t.Error("closed connection still holds its queue")
			}
		})
	}
}

// TestWaitRoom: the read loop waits while the queue is full and resumes
// when the writer takes it, or when the connection closes.
func TestWaitRoom(t *testing.T) {
	g, _, _ := testGateway(t, device.PolicyUnlimited)
	c, tr := blockedConn(t, g)
	for range g.cfg.WriteQueue {
		c.send(pingFrame, false)
	}
	done := make(chan struct{})
	go func() { c.waitRoom(t.Context()); close(done) }()
	select {
	case <-done:
		t.Fatal("read loop did not wait for a full queue")
	case <-time.After(50 * time.Millisecond): // a wait that should not end: bounded
	}
	tr.block <- struct{}{} // the first write ends; the writer takes the queue
	testwait.Until(t, 5*time.Second, "read loop resumed", func() bool {
		select {
		case <-done:
			return true
		default:
			return false
		}
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) != 0 {
		t.Errorf("queue holds %d", len(c.queue))
	}
}

func TestWriterExitsWhenIdle(t *testing.T) {
	g, _, _ := testGateway(t, device.PolicyUnlimited)
	tr := newFakeTransport()
	c := newConn(g, tr, "ip", time.Now())
	c.send(pingFrame, false)
	testwait.Until(t, 5*time.Second, "writer idle", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return !c.writing && len(tr.written()) == 1
	})

}

// TestBudgets: over its send budget a client is slowed down (its read
// loop waits for the token), never refused; receive-ACKs, reads and pings
// spend a budget of their own and never the send budget.
func TestBudgets(t *testing.T) {
	g, pub, _ := testGateway(t, device.PolicyUnlimited)
	g.limiter, g.control = newLimiter(100, 1), newLimiter(1, 1000)
	c, tr := login(t, g, "alice", device.IOS, "i1")
	send := func(cmd command.Code, body string) {
		t.Helper()
		if !c.handle(t.Context(), packet.Client{Command: cmd, AppID: 7, Body: []byte(body)}) {
			t.Fatal("connection ended")
		}
	}
	for i := range 3 {
		send(command.MessageP2P, fmt.Sprintf(`{"messageId":"m%d","toId":"bob"}`, i))
	}
	testwait.Until(t, 5*time.Second, "3 uplinks published", func() bool { return len(pub.uplinks(t)) == 3 })
	if got := testutil.ToFloat64(g.metrics.waits.WithLabelValues("send_budget")); got != 2 {
		t.Errorf("read loop waited %v times for send tokens, want 2", got)
	}
	for i := range 5 {
		send(command.MessageReceiveAck, fmt.Sprintf(`{"messageId":"m%d","fromId":"alice","toId":"bob"}`, i))
		send(command.MessageRead, `{"toId":"bob","messageSequence":1}`)
		send(command.Ping, `{}`)
	}
	testwait.Until(t, 5*time.Second, "control uplinks published", func() bool { return len(pub.uplinks(t)) == 13 })
	if got := testutil.ToFloat64(g.metrics.waits.WithLabelValues("send_budget")); got != 2 {
		t.Errorf("control frames spent the send budget: %v waits", got)
	}
	g.control.mu.Lock()
	left := g.control.users[userKey{7, "alice"}].tokens
	g.control.mu.Unlock()
	if left > 1000-15+1 { // refilled a little meanwhile
		t.Errorf("control budget has %v tokens after 15 control frames", left)
	}
	for _, f := range tr.written() {
		if f.Command == command.MessageAck || f.Command == command.ErrorNotice {
			t.Errorf("frame refused: %v %s", f.Command, f.Body)
		}
	}
}

// push queues a downlink frame the way deliver does for a batch of one.
func push(c *conn, frame []byte) bool {
	ok, start := c.hold(frame, false)
	if start {
		go c.writeLoop()
	}
	return ok
}
