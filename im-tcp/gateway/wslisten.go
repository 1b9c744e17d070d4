package gateway

import (
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/whaleim/whaleim/im-common/errcode"
)

// The WebSocket port is an HTTP server, so a client can hold connections
// that never upgrade: idle keep-alives, or sockets that send nothing. They
// count toward the per-IP cap (IM_MAX_CONNS_PER_IP) with the upgraded
// ones: wsListener counts them per IP until they upgrade (from then on the
// hub counts them) or close, and the server's ReadHeaderTimeout and
// IdleTimeout close them. An upgrade request over the cap is answered with
// a WebSocket close frame (1013 try again later); an IP already holding
// twice its cap is cut at accept, before it has said anything.

// wsListener counts the connections of the WebSocket port that have not
// upgraded yet.
type wsListener struct {
	net.Listener
	g    *Gateway
	mu   sync.Mutex
	idle map[string]int
}

func newWSListener(ln net.Listener, g *Gateway) *wsListener {
	return &wsListener{Listener: ln, g: g, idle: make(map[string]int)}
}

// Accept returns the next connection an IP may still open.
func (l *wsListener) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := remoteIP(nc.RemoteAddr())
		if l.admit(ip) {
			return &httpConn{Conn: nc, l: l, ip: ip}, nil
		}
		l.g.metrics.refused.WithLabelValues(codeLabel(errcode.ConnectionLimit.Code)).Inc()
		_ = nc.Close()
	}
}

func (l *wsListener) admit(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cap := l.g.cfg.MaxConnsPerIP; cap > 0 && l.idle[ip]+l.g.hub.countIP(ip) >= 2*cap {
		return false
	}
	l.idle[ip]++
	return true
}

func (l *wsListener) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.idle[ip]--; l.idle[ip] <= 0 {
		delete(l.idle, ip)
	}
}

// others returns how many connections ip holds besides the asking one.
func (l *wsListener) others(ip string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.idle[ip] - 1 + l.g.hub.countIP(ip)
}

// httpConn is one accepted connection, counted until it upgrades or closes.
type httpConn struct {
	net.Conn
	l    *wsListener
	ip   string
	once sync.Once
}

// upgraded stops counting c: the hub counts it from now on.
func (c *httpConn) upgraded() { c.once.Do(func() { c.l.release(c.ip) }) }

// Close implements net.Conn.
func (c *httpConn) Close() error {
	c.upgraded()
	return c.Conn.Close()
}

// countIP returns the connections ip holds in the hub.
func (h *hub) countIP(ip string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.perIP[ip]
}

// refuseWS completes the handshake only to close at once with code and
// reason, so a WebSocket client learns why instead of seeing a dropped
// connection.
func refuseWS(w http.ResponseWriter, r *http.Request, code int, reason string) {
	u := websocket.Upgrader{HandshakeTimeout: 5 * time.Second, CheckOrigin: func(*http.Request) bool { return true }}
	wc, err := u.Upgrade(w, r, nil)
	if err != nil {
		return // not a WebSocket request: Upgrade answered with an HTTP error
	}
	msg := websocket.FormatCloseMessage(code, reason)
	_ = wc.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	_ = wc.Close()
}
