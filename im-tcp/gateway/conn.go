package gateway

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/session"
)

// transport is what differs between TCP and WebSocket.
type transport interface {
	// read returns the next uplink packet. Errors for which packet.Code is
	// non-nil are protocol violations worth an error frame.
	read() (packet.Client, error)
	// write sends frames (each one encoded downlink packet) before deadline.
	write(frames [][]byte, deadline time.Time) error
	close() error
	kind() string
}

// Connection states.
const (
	stateNew uint32 = iota
	stateAuthed
)

// conn is one client connection. Fields above mu are set before the
// connection is shared (id and sess at login, published to other
// goroutines through the hub's mutex) or are atomics.
type conn struct {
	g     *Gateway
	t     transport
	ip    string
	born  int64         // unix nanos of accept
	seen  atomic.Int64  // unix nanos of the last inbound frame
	state atomic.Uint32 // stateNew or stateAuthed
	id    device.ID
	sess  session.Session
	// touched is the unix nanos of the last session write (the read loop
	// sets it); 0 asks for a rewrite at the next ping (watchSessions).
	touched atomic.Int64
	// typing limits this device's 1060 frames; the read loop alone uses it.
	typing typingWindow

	mu      sync.Mutex
	queue   []outFrame    // frames waiting for the writer
	writing bool          // a writer goroutine is running
	since   int64         // unix nanos the writer's current write began; 0 between writes
	room    chan struct{} // closed when the writer takes the queue; nil when the reader does not wait
	closing bool          // a closing frame is queued: accept no more
	closed  bool          // transport closed
}

// outFrame is one queued write; close ends the connection after it.
type outFrame struct {
	b     []byte
	close bool
}

func newConn(g *Gateway, t transport, ip string, now time.Time) *conn {
	c := &conn{g: g, t: t, ip: ip, born: now.UnixNano()}
	c.seen.Store(c.born)
	return c
}

func (c *conn) authed() bool { return c.state.Load() == stateAuthed }

// post encodes env with data (nil: none) and queues it.
func (c *conn) post(env payload.Envelope, data any, closeAfter bool) bool {
	frame, err := encode(env, data)
	if err != nil { // the gateway's own bodies always encode: a bug
		c.g.log.Error("downlink frame dropped", "command", env.Command, "err", err)
		if closeAfter {
			c.closeAfterFlush()
		}
		return false
	}
	return c.send(frame, closeAfter)
}

// address returns an envelope for cmd addressed to this connection's
// device or, before login, to header (the device a packet's header names).
func (c *conn) address(cmd command.Code, header device.ID) payload.Envelope {
	to := header
	if c.authed() {
		to = c.id
	}
	return payload.Envelope{Command: cmd, AppID: to.AppID, UserID: to.UserID, ToID: to.UserID,
		ClientType: to.Type, IMEI: to.IMEI}
}

// notify queues an event that answers no packet (kick, reconnect hint,
// login timeout).
func (c *conn) notify(cmd command.Code, data any, closeAfter bool) bool {
	return c.post(c.address(cmd, device.ID{}), data, closeAfter)
}

// send queues a frame that answers the client (an up-ACK refusal, a pong,
// a login ACK) or ends its session. It is never dropped for a full queue:
// the read loop, which produces these, pauses while the queue is full
// (waitRoom), so the queue stays bounded without losing answers.
func (c *conn) send(frame []byte, closeAfter bool) bool {
	c.mu.Lock()
	if c.closing || c.closed {
		c.mu.Unlock()
		return false
	}
	if c.enqueue(outFrame{b: frame, close: closeAfter}) {
		go c.writeLoop()
	}
	return true
}

// hold queues a frame from the downlink queue (an up-ACK or a delivery
// from the domain). The slow-consumer rule applies here and only to a
// client that stopped reading: with WriteQueue frames queued while the
// writer has been stuck in one write for writeStall, or with
// maxQueueFactor x WriteQueue queued (it reads far slower than it is sent
// to), the connection is closed; it syncs what it missed after
// reconnecting. A reading client that receives a burst keeps every frame.
// It reports whether the frame was queued and whether the caller must
// start the writer (go c.writeLoop): a caller queueing a batch starts it
// after the whole batch, so frames queued together leave in one write.
func (c *conn) hold(frame []byte, closeAfter bool) (queued, start bool) {
	c.mu.Lock()
	if c.closing || c.closed {
		c.mu.Unlock()
		return false, false
	}
	n := len(c.queue)
	stalled := c.since != 0 && time.Now().UnixNano()-c.since >= int64(c.writeStall())
	if n >= maxQueueFactor*c.g.cfg.WriteQueue || (n >= c.g.cfg.WriteQueue && stalled) {
		c.mu.Unlock()
		c.g.metrics.slow.Inc()
		c.g.log.Info("slow consumer disconnected", "ip", c.ip, "user", c.id.UserID, "code", errcode.SlowConsumer.Code)
		c.shutdown()
		return false, false
	}
	return true, c.enqueue(outFrame{b: frame, close: closeAfter})
}

// maxQueueFactor bounds the queue of a client that reads, but slower than
// frames arrive for it.
const maxQueueFactor = 16

// writeStall is how long one write may block before a client with a full
// queue counts as not reading; well below WriteTimeout, which ends the
// connection anyway.
func (c *conn) writeStall() time.Duration { return min(time.Second, c.g.cfg.WriteTimeout/2) }

// enqueue appends f and reports whether the caller must start the writer;
// the caller holds mu, which enqueue releases.
func (c *conn) enqueue(f outFrame) bool {
	c.queue = append(c.queue, f)
	c.closing = f.close
	start := !c.writing
	c.writing = true
	c.mu.Unlock()
	return start
}

// waitRoom pauses the read loop while the write queue holds WriteQueue
// frames or more: a client that pipelines faster than it reads its answers
// is slowed down by TCP flow control instead of being disconnected.
func (c *conn) waitRoom(ctx context.Context) {
	c.mu.Lock()
	if len(c.queue) < c.g.cfg.WriteQueue || c.closed {
		c.mu.Unlock()
		return
	}
	if c.room == nil {
		c.room = make(chan struct{})
	}
	room := c.room
	c.mu.Unlock()
	c.g.metrics.waits.WithLabelValues("write_queue").Inc()
	select {
	case <-room:
	case <-ctx.Done():
	}
}

// freeRoom wakes a read loop waiting in waitRoom; the caller holds mu.
func (c *conn) freeRoom() {
	if c.room != nil {
		close(c.room)
		c.room = nil
	}
}

// closeAfterFlush closes the connection once queued frames are written.
func (c *conn) closeAfterFlush() {
	c.mu.Lock()
	if c.closing || c.closed {
		c.mu.Unlock()
		return
	}
	if !c.writing {
		c.mu.Unlock()
		c.shutdown()
		return
	}
	c.closing = true
	c.queue = append(c.queue, outFrame{close: true})
	c.mu.Unlock()
}

// writeLoop drains the queue and exits when it is empty, so idle
// connections have no writer goroutine.
func (c *conn) writeLoop() {
	frames := make([][]byte, 0, 8)
	for {
		c.mu.Lock()
		batch := c.queue
		c.queue = nil
		c.freeRoom()
		if len(batch) == 0 || c.closed {
			c.writing, c.since = false, 0
			c.mu.Unlock()
			return
		}
		c.since = time.Now().UnixNano()
		c.mu.Unlock()
		frames = frames[:0]
		last := false
		for _, f := range batch {
			if f.b != nil {
				frames = append(frames, f.b)
			}
			last = last || f.close
		}
		if err := c.t.write(frames, time.Now().Add(c.g.cfg.WriteTimeout)); err != nil || last {
			c.g.metrics.framesOut.Add(float64(len(frames)))
			c.shutdown()
			return
		}
		c.g.metrics.framesOut.Add(float64(len(frames)))
	}
}

// shutdown closes the transport at once; the read loop then cleans up.
func (c *conn) shutdown() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed, c.closing, c.queue = true, true, nil
	c.freeRoom()
	c.mu.Unlock()
	_ = c.t.close() // the error of closing a broken socket tells nothing
}

// closePending reports whether a closing frame is still being written.
func (c *conn) closePending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing && !c.closed && c.writing
}
