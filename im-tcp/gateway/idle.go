package gateway

import (
	"io"
	"net"
	"sync"

	"github.com/whaleim/whaleim/im-codec/packet"
)

// Idle connections are most of a gateway's connections, so what one costs
// while it waits for its next frame is what the node's memory is made of.
// Two things dominate: read buffers, and the reader goroutine's stack,
// which the GC halves only while less than a quarter of it is in use, so
// its size follows the depth at which the goroutine waits. Between frames
// a connection therefore waits in waitConn.wait, a plain socket read a few
// calls deep (its stack settles at 4 KiB instead of 8), and holds no frame
// reader (TCP) or only a small one (WebSocket); the byte the wait read is
// handed to the frame reader through waitConn.Read. A WebSocket control
// frame on its own still leaves the reader inside gorilla until the next
// message; clients heartbeat with 9999 packets, not WebSocket pings.

// waitConn is a connection whose idle wait reads one byte ahead.
type waitConn struct {
	net.Conn
	held  [1]byte
	ahead bool // held is the next byte of the stream
}

// wait blocks until the peer sends something (or the connection ends)
// and keeps the first byte for Read. Only the read loop calls it.
func (c *waitConn) wait() error {
	n, err := c.Conn.Read(c.held[:])
	c.ahead = n == 1
	if c.ahead {
		return nil
	}
	if err == nil { // a zero-byte read without error: wait again later
		return nil
	}
	return err
}

// Read returns the byte read ahead, if any, then reads the connection.
func (c *waitConn) Read(p []byte) (int, error) {
	if c.ahead && len(p) > 0 {
		p[0], c.ahead = c.held[0], false
		return 1, nil
	}
	return c.Conn.Read(p)
}

// streamReader is a packet.Reader that moves between TCP connections: the
// 4 KiB buffer of an idle connection's reader goes back to a pool. It
// counts the bytes it took from its source and the bytes of the frames it
// returned, so it is known to be empty, and only then is it handed on.
type streamReader struct {
	r          *packet.Reader
	src        io.Reader
	took, used int
}

func newStreamReader(lim packet.Limits) *streamReader {
	s := &streamReader{}
	s.r = packet.NewReader(s, lim)
	return s
}

// Read feeds the packet.Reader. Data and an error never come together:
// the error is returned by the next call, so a reader that was drained
// without an error holds none it could pass to its next connection.
func (s *streamReader) Read(p []byte) (int, error) {
	n, err := s.src.Read(p)
	s.took += n
	if n > 0 {
		return n, nil
	}
	return 0, err
}

// next reads one frame and reports whether the reader is now empty.
func (s *streamReader) next() (packet.Client, bool, error) {
	p, err := s.r.ReadClient()
	if err != nil {
		return p, false, err
	}
	s.used += p.Len()
	return p, s.used == s.took, nil
}

// readerPool lends streamReaders; they are attached to src on Get.
type readerPool struct {
	lim  packet.Limits
	pool sync.Pool
}

func (rp *readerPool) get(src io.Reader) *streamReader {
	s, _ := rp.pool.Get().(*streamReader)
	if s == nil {
		s = newStreamReader(rp.lim)
	}
	s.src = src
	return s
}

// put takes back an empty reader that saw no error.
func (rp *readerPool) put(s *streamReader) {
	s.src, s.took, s.used = nil, 0, 0
	rp.pool.Put(s)
}
