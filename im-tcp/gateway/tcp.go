package gateway

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
)

// tcpTransport frames a byte stream with packet.Reader.
type tcpTransport struct {
	c net.Conn
	r *packet.Reader
}

func (t *tcpTransport) read() (packet.Client, error) { return t.r.ReadClient() }

func (t *tcpTransport) write(frames [][]byte, deadline time.Time) error {
	if err := t.c.SetWriteDeadline(deadline); err != nil {
		return err
	}
	bufs := net.Buffers(frames) // one writev for the whole batch
	_, err := bufs.WriteTo(t.c)
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
		if tc, ok := nc.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
			_ = tc.SetKeepAlive(true)
		}
		g.start(ctx, &tcpTransport{c: nc, r: packet.NewReader(nc, g.cfg.Limits)}, remoteIP(nc.RemoteAddr()))
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
