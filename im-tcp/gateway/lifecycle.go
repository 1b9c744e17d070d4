package gateway

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/errcode"
)

// sweep enforces the login deadline and the heartbeat timeout of every
// connection from one goroutine: no per-connection timers.
func (g *Gateway) sweep(ctx context.Context) {
	every := min(time.Second, g.cfg.HeartbeatTimeout/4, g.cfg.LoginTimeout/2)
	t := time.NewTicker(max(every, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			g.sweepOnce(now)
		}
	}
}

func (g *Gateway) sweepOnce(now time.Time) {
	n := now.UnixNano()
	for _, c := range g.hub.snapshot() {
		switch {
		case !c.authed() && n-c.born > int64(g.cfg.LoginTimeout+g.cfg.WriteTimeout):
			c.shutdown() // could not even be told
		case !c.authed() && n-c.born > int64(g.cfg.LoginTimeout):
			c.notify(command.ErrorNotice, payload.ErrorNotice{Code: errcode.LoginTimeout.Code, Msg: errcode.LoginTimeout.Message}, true)
		case n-c.seen.Load() > int64(g.cfg.HeartbeatTimeout):
			c.shutdown() // silent: the read loop cleans up the session
		}
	}
	g.limiter.prune(now)
	g.control.prune(now)
	g.guard.fails.Prune(now)
}

// drain sends the reconnect hint to every client and waits until they are
// gone or the drain time is over, then closes the rest.
func (g *Gateway) drain(ctx context.Context) {
	for _, c := range g.hub.snapshot() {
		c.notify(command.Reconnect, status(errcode.Unavailable), true)
	}
	deadline := time.Now().Add(g.cfg.ShutdownDrain)
	for g.hub.len() > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	for _, c := range g.hub.snapshot() {
		c.shutdown()
	}
	for g.hub.len() > 0 && ctx.Err() == nil { // read loops delete their sessions
		time.Sleep(10 * time.Millisecond)
	}
}

// opsWriteTimeout bounds an ops response; a CPU profile (IM_PPROF) runs
// 30 s by default and must fit.
const opsWriteTimeout = 2 * time.Minute

// httpServers builds the WebSocket and ops servers for the bound listeners.
// The WebSocket port counts its connections per IP (wsListener); a socket
// that sends no request line within the login timeout, or idles that long
// between requests, is closed. Upgraded connections leave the server's
// deadlines behind (net/http clears them on hijack).
func (g *Gateway) httpServers(connCtx context.Context) map[net.Listener]*http.Server {
	out := map[net.Listener]*http.Server{}
	if g.wsLn != nil {
		ws := newWSServer(connCtx, g)
		ws.ln = newWSListener(g.wsLn, g)
		mux := http.NewServeMux()
		mux.Handle(g.cfg.WSPath, ws)
		out[g.cfg.TLS.Listener(ws.ln)] = &http.Server{Handler: mux, ReadHeaderTimeout: min(5*time.Second, g.cfg.LoginTimeout),
			ReadTimeout: g.cfg.LoginTimeout, WriteTimeout: g.cfg.WriteTimeout, IdleTimeout: g.cfg.LoginTimeout,
			MaxHeaderBytes: 16 << 10}
	}
	if g.httpLn != nil {
		out[g.httpLn] = &http.Server{Handler: g.opsHandler(), ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout: 15 * time.Second, WriteTimeout: opsWriteTimeout, IdleTimeout: 60 * time.Second,
			MaxHeaderBytes: 16 << 10}
	}
	return out
}
