package gateway

import (
	"net"
	"sync"
)

// corkConn is the connection gorilla writes a WebSocket through. While
// corked it collects gorilla's writes (whole frames: gorilla writes each
// under its own lock) in a pooled buffer, and uncork sends them with one
// syscall: a writer draining many queued packets makes one write, not one
// per WebSocket message. Control frames gorilla writes meanwhile (a pong,
// a close) join the buffer in order. An idle connection holds no buffer.
type corkConn struct {
	net.Conn
	pool *sync.Pool // *[]byte, shared by all connections

	mu  sync.Mutex
	buf *[]byte // non-nil while corked
}

// maxCork is the most a corked connection buffers before it writes
// anyway, and the largest buffer that goes back to the pool.
const maxCork = 64 << 10

// Write implements net.Conn.
func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.buf == nil {
		return c.Conn.Write(p)
	}
	if len(*c.buf)+len(p) > maxCork {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > maxCork {
			return c.Conn.Write(p)
		}
	}
	*c.buf = append(*c.buf, p...)
	return len(p), nil
}

// cork starts collecting writes.
func (c *corkConn) cork() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.buf == nil {
		c.buf = c.pool.Get().(*[]byte)
	}
}

// uncork writes what was collected and stops collecting.
func (c *corkConn) uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.buf == nil {
		return nil
	}
	err := c.flushLocked()
	if cap(*c.buf) <= maxCork {
		c.pool.Put(c.buf)
	}
	c.buf = nil
	return err
}

// flushLocked writes the buffer and empties it; the caller holds mu.
func (c *corkConn) flushLocked() error {
	if len(*c.buf) == 0 {
		return nil
	}
	_, err := c.Conn.Write(*c.buf)
	*c.buf = (*c.buf)[:0]
	return err
}

// newCorkPool returns the buffer pool of a WebSocket server's connections.
func newCorkPool() *sync.Pool {
	return &sync.Pool{New: func() any {
		b := make([]byte, 0, 4096)
		return &b
	}}
}
