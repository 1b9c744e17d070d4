package gateway

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/errcode"
)

// wsTransport carries one packet per binary message. Gorilla reads
// through br over nc, both set up by wsHijack, so that between messages
// the read loop can wait in nc.wait instead of deep inside gorilla's frame
// parser (see idle.go).
type wsTransport struct {
	c   *websocket.Conn
	nc  *waitConn
	out *corkConn // what c writes to
	br  *bufio.Reader
	lim packet.Limits
	buf *sync.Pool // *bytes.Buffer, shared by all connections
	cur *bytes.Buffer
}

func (t *wsTransport) read() (packet.Client, error) {
	if t.cur != nil { // the previous packet is handled: its buffer is free
		t.cur.Reset()
		t.buf.Put(t.cur)
		t.cur = nil
	}
	if t.br.Buffered() == 0 {
		if err := t.nc.wait(); err != nil {
			return packet.Client{}, err
		}
	}
	typ, r, err := t.c.NextReader()
	if err != nil {
		return packet.Client{}, err
	}
	if typ != websocket.BinaryMessage {
		return packet.Client{}, errcode.MalformedFrame.With("text messages are not accepted")
	}
	t.cur = t.buf.Get().(*bytes.Buffer)
	if _, err := t.cur.ReadFrom(r); err != nil {
		if errors.Is(err, websocket.ErrReadLimit) {
			return packet.Client{}, errcode.FrameTooLarge.With("message exceeds the read limit")
		}
		return packet.Client{}, err
	}
	return packet.ParseClient(t.cur.Bytes(), t.lim)
}

func (t *wsTransport) write(frames [][]byte, deadline time.Time) error {
	if err := t.c.SetWriteDeadline(deadline); err != nil {
		return err
	}
	if len(frames) == 1 {
		return t.c.WriteMessage(websocket.BinaryMessage, frames[0])
	}
	t.out.cork() // one message per packet, one syscall for all of them
	for _, f := range frames {
		if err := t.c.WriteMessage(websocket.BinaryMessage, f); err != nil {
			_ = t.out.uncork() // the message's error says it already
			return err
		}
	}
	return t.out.uncork()
}

func (t *wsTransport) close() error { return t.c.Close() }
func (t *wsTransport) kind() string { return "ws" }

// wsServer upgrades HTTP requests on the WebSocket path.
type wsServer struct {
	g        *Gateway
	ctx      context.Context
	upgrader websocket.Upgrader
	origin   func(*http.Request) bool
	// ln counts the port's connections per IP (nil in tests that serve
	// without it).
	ln    *wsListener
	bufs  sync.Pool
	corks *sync.Pool // write buffers of corkConn
}

func newWSServer(ctx context.Context, g *Gateway) *wsServer {
	s := &wsServer{g: g, ctx: ctx, corks: newCorkPool()}
	s.bufs.New = func() any { return new(bytes.Buffer) }
	s.upgrader = websocket.Upgrader{
		// ReadBufferSize 0: gorilla reads through the reader wsHijack
		// returns. Write buffers are pooled: an idle connection holds none.
		// Origins are checked before (ServeHTTP), to refuse with a close
		// frame rather than an HTTP 403.
		WriteBufferPool: &sync.Pool{}, HandshakeTimeout: 10 * time.Second,
		CheckOrigin: func(*http.Request) bool { return true },
	}
	s.origin = originChecker(g.cfg.WSOrigins)
	return s
}

// ServeHTTP upgrades and returns at once: the read loop runs on a fresh
// goroutine, so the HTTP server's deep stack and buffers are released.
func (s *wsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ip := remoteIP(addr(r.RemoteAddr))
	if e, code := s.refusal(r, ip); e != nil {
		s.g.metrics.refused.WithLabelValues(codeLabel(e.Code)).Inc()
		refuseWS(w, r, code, e.Message)
		return
	}
	t, err := s.upgrade(w, r)
	if err != nil {
		return // Upgrade already answered with an HTTP error
	}
	s.g.start(s.ctx, t, ip)
}

// refusal returns why r may not open a connection, with the WebSocket
// close code to say it with, or nil.
func (s *wsServer) refusal(r *http.Request, ip string) (*errcode.Error, int) {
	switch {
	case !s.origin(r):
		return errcode.Forbidden.With("origin not allowed"), websocket.ClosePolicyViolation
	case s.g.hub.len() >= s.g.cfg.MaxConns:
		return errcode.ConnectionLimit, websocket.CloseTryAgainLater
	case s.ln != nil && s.g.cfg.MaxConnsPerIP > 0 && s.ln.others(ip) >= s.g.cfg.MaxConnsPerIP:
		return errcode.ConnectionLimit.With("per address"), websocket.CloseTryAgainLater
	}
	return nil, 0
}

// upgrade completes the handshake and returns the connection's transport.
func (s *wsServer) upgrade(w http.ResponseWriter, r *http.Request) (*wsTransport, error) {
	h := &wsHijack{ResponseWriter: w, corks: s.corks}
	wc, err := s.upgrader.Upgrade(h, r, nil)
	if err != nil {
		return nil, err
	}
	wc.SetReadLimit(int64(packet.ClientHeaderSize + s.g.cfg.Limits.MaxIMEI + s.g.cfg.Limits.MaxBody))
	return &wsTransport{c: wc, nc: h.nc, out: h.out, br: h.br, lim: s.g.cfg.Limits, buf: &s.bufs}, nil
}

// wsReadBuffer is the size of a WebSocket connection's read buffer. Gorilla
// uses a reader handed to it by the hijack only when it is larger than
// 256 bytes; every control frame (at most 131 bytes) fits.
const wsReadBuffer = 512

// wsHijack hands gorilla the hijacked connection wrapped in a waitConn
// and a small reader over it, which the transport can inspect.
type wsHijack struct {
	http.ResponseWriter
	corks *sync.Pool
	nc    *waitConn
	out   *corkConn
	br    *bufio.Reader
}

// Hijack implements http.Hijacker.
func (h *wsHijack) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil || brw.Reader.Buffered() > 0 {
		return nc, brw, err // gorilla refuses data sent before the handshake ended
	}
	// net/http clears its read and write deadlines on hijack (the server's
	// ReadTimeout and WriteTimeout must not reach a long-lived socket:
	// TestWSLongLivedSurvivesServerDeadlines); writes set their own.
	raw := nc
	if tc, ok := nc.(*tls.Conn); ok {
		raw = tc.NetConn()
	}
	if hc, ok := raw.(*httpConn); ok {
		hc.upgraded()
	}
	h.nc = &waitConn{Conn: nc}
	h.br = bufio.NewReaderSize(h.nc, wsReadBuffer)
	h.out = &corkConn{Conn: h.nc, pool: h.corks}
	return h.out, bufio.NewReadWriter(h.br, brw.Writer), nil
}

// originChecker allows requests without Origin (non-browser clients),
// same-host origins, and the configured hosts or origins ("*" = any).
func originChecker(allowed []string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		origin := r.Header.Get("Origin")
		if origin == "" {
			return true
		}
		u, err := url.Parse(origin)
		if err != nil {
			return false
		}
		if strings.EqualFold(u.Host, r.Host) {
			return true
		}
		for _, a := range allowed {
			if a == "*" || strings.EqualFold(a, origin) || strings.EqualFold(a, u.Host) {
				return true
			}
		}
		return false
	}
}

type addr string

func (a addr) Network() string { return "tcp" }
func (a addr) String() string  { return string(a) }
