package gateway

import (
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
	// touched is the unix nanos of the last session write; the read loop
	// alone uses it.
	touched int64

	mu      sync.Mutex
	queue   []outFrame // frames waiting for the writer, at most cfg.WriteQueue
	writing bool       // a writer goroutine is running
	closing bool       // a closing frame is queued: accept no more
	closed  bool       // transport closed
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

// send queues one encoded downlink frame. A full queue means the client
// does not read fast enough: it is disconnected rather than buffered.
func (c *conn) send(frame []byte, closeAfter bool) bool {
	c.mu.Lock()
	if c.closing || c.closed {
		c.mu.Unlock()
		return false
	}
	if len(c.queue) >= c.g.cfg.WriteQueue {
		c.mu.Unlock()
		c.g.metrics.slow.Inc()
		c.g.log.Info("slow consumer disconnected", "ip", c.ip, "user", c.id.UserID, "code", errcode.SlowConsumer.Code)
		c.shutdown()
		return false
	}
	c.queue = append(c.queue, outFrame{b: frame, close: closeAfter})
	c.closing = closeAfter
	start := !c.writing
	c.writing = true
	c.mu.Unlock()
	if start {
		go c.writeLoop()
	}
	return true
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
		if len(batch) == 0 || c.closed {
			c.writing = false
			c.mu.Unlock()
			return
		}
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
	c.mu.Unlock()
	_ = c.t.close() // the error of closing a broken socket tells nothing
}

// closePending reports whether a closing frame is still being written.
func (c *conn) closePending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing && !c.closed && c.writing
}
