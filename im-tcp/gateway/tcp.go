package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
)

// tcpTransport frames a byte stream with a pooled packet.Reader, which it
// borrows when bytes arrive and returns once it is empty (see idle.go).
type tcpTransport struct {
	c       *waitConn
	readers *readerPool
	r       *streamReader // nil while nothing is buffered
}

func (t *tcpTransport) read() (packet.Client, error) {
	if t.r == nil {
		if err := t.c.wait(); err != nil {
			return packet.Client{}, err
		}
		t.r = t.readers.get(t.c)
	}
	p, empty, err := t.r.next()
	switch {
	case err != nil:
		t.r = nil // its error is sticky: let it go
	case empty:
		t.readers.put(t.r)
		t.r = nil
	}
	return p, err
}

func (t *tcpTransport) write(frames [][]byte, deadline time.Time) error {
	if err := t.c.SetWriteDeadline(deadline); err != nil {
		return err
	}
	bufs := net.Buffers(frames)
	_, err := bufs.WriteTo(t.c.Conn) // one writev for the batch: the wrapper would hide it
	return err
}

func (t *tcpTransport) close() error { return t.c.Close() }
func (t *tcpTransport) kind() string { return "tcp" }

// serveTCP accepts until ln is closed.
func (g *Gateway) serveTCP(ctx context.Context, ln net.Listener) error {
	for {
		nc, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			g.log.Warn("tcp accept failed", "err", err)
			time.Sleep(50 * time.Millisecond) // EMFILE and friends: do not spin
			continue
		}
		raw := nc
		if tc, ok := nc.(*tls.Conn); ok {
			raw = tc.NetConn() // the handshake runs on the first read, under the login deadline
		}
		if tc, ok := raw.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
			_ = tc.SetKeepAlive(true)
		}
		g.start(ctx, &tcpTransport{c: &waitConn{Conn: nc}, readers: g.readers}, remoteIP(nc.RemoteAddr()))
	}
}

// start admits a connection and runs its read loop, or closes it at once
// when a connection limit is reached.
func (g *Gateway) start(ctx context.Context, t transport, ip string) {
	c := newConn(g, t, ip, time.Now())
	if err := g.hub.add(c, g.cfg.MaxConns, g.cfg.MaxConnsPerIP); err != nil {
		g.metrics.refused.WithLabelValues(codeLabel(errorCode(err))).Inc()
		_ = t.close()
		return
	}
	g.metrics.conns.WithLabelValues(t.kind()).Inc()
	go c.serve(ctx)
}

func remoteIP(a net.Addr) string {
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}
