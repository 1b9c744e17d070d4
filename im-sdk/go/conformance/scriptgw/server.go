package scriptgw

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// ExpectTimeout bounds every expect step: a client that never sends what
// the script waits for fails the scenario instead of hanging it.
const ExpectTimeout = 10 * time.Second

// Gateway serves one scenario. Start it, point the SDK at RESTURL, perform
// every action read from Actions, and after Done read Violations.
type Gateway struct {
	sc            *Scenario
	expectTimeout time.Duration
	tcp           net.Listener
	http          *http.Server
	httpLn        net.Listener
	dead          string
	actions       chan json.RawMessage
	pulls         chan pullRequest
	syncs         chan struct{}
	done          chan struct{}
	stop          chan struct{}
	wg            sync.WaitGroup

	mu         sync.Mutex
	visible    map[string]map[int64]bool
	binds      map[string]bound
	conns      int
	logins     int
	violations []string
	finished   bool
	open       []*conn
}

// bound is a client messageId a step named with bind.
type bound struct {
	messageID string
	group     bool
}

type pullRequest struct {
	Conversation string `json:"conversationId"`
	After        int64  `json:"lastSequence"`
	Limit        int    `json:"maxLimit"`
}

// Option adjusts a Gateway at Start.
type Option func(*Gateway)

// WithExpectTimeout replaces ExpectTimeout (tests of the gateway itself).
func WithExpectTimeout(d time.Duration) Option { return func(g *Gateway) { g.expectTimeout = d } }

// Start listens on fresh loopback ports and serves sc until Close.
func Start(sc *Scenario, opts ...Option) (*Gateway, error) {
	g := &Gateway{sc: sc, expectTimeout: ExpectTimeout, actions: make(chan json.RawMessage, 64), pulls: make(chan pullRequest, 1024), syncs: make(chan struct{}, 1024),
		done: make(chan struct{}), stop: make(chan struct{}), visible: map[string]map[int64]bool{}, binds: map[string]bound{}}
	for _, o := range opts {
		o(g)
	}
	for conv, msgs := range sc.Conversations {
		g.visible[conv] = map[int64]bool{}
		for _, m := range msgs {
			g.visible[conv][m.Seq] = !m.Hidden
		}
	}
	var err error
	if g.dead, err = deadAddress(); err != nil {
		return nil, err
	}
	if g.tcp, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("scriptgw: listen tcp: %w", err)
	}
	if g.httpLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		g.tcp.Close()
		return nil, fmt.Errorf("scriptgw: listen http: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", g.serveWS)
	mux.HandleFunc("POST /v1/user/login", g.restLogin)
	mux.HandleFunc("POST /v1/message/getMaxSequences", g.restMaxSeqs)
	mux.HandleFunc("POST /v1/message/pull", g.restPull)
	g.http = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	g.wg.Add(2)
	go func() { defer g.wg.Done(); _ = g.http.Serve(g.httpLn) }()
	go g.acceptTCP()
	return g, nil
}

// deadAddress is a loopback port nothing listens on.
func deadAddress() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("scriptgw: reserve dead port: %w", err)
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// RESTURL is the base URL of the REST routes.
func (g *Gateway) RESTURL() string { return "http://" + g.httpLn.Addr().String() }

// WSURL is the WebSocket endpoint.
func (g *Gateway) WSURL() string { return "ws://" + g.httpLn.Addr().String() + "/ws" }

// TCPAddr is the TCP endpoint.
func (g *Gateway) TCPAddr() string { return g.tcp.Addr().String() }

// Actions delivers the client actions the runner must perform, in order.
func (g *Gateway) Actions() <-chan json.RawMessage { return g.actions }

// Done is closed when every connection script has run (or one aborted).
func (g *Gateway) Done() <-chan struct{} { return g.done }

// Violations lists what the client did wrong so far, including pulls no
// expect_pull step accounted for.
func (g *Gateway) Violations() []string {
	g.mu.Lock()
	out := append([]string(nil), g.violations...)
	g.mu.Unlock()
	for {
		select {
		case p := <-g.pulls:
			out = append(out, fmt.Sprintf("unexpected pull %s after %d limit %d", p.Conversation, p.After, p.Limit))
			g.mu.Lock()
			g.violations = append(g.violations, out[len(out)-1])
			g.mu.Unlock()
		default:
			return out
		}
	}
}

// Close stops serving and ends every connection.
func (g *Gateway) Close() error {
	close(g.stop)
	g.tcp.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := g.http.Shutdown(ctx)
	g.mu.Lock()
	for _, c := range g.open {
		c.close()
	}
	g.mu.Unlock()
	g.wg.Wait()
	if errors.Is(err, context.DeadlineExceeded) {
		return nil // hijacked WebSocket connections were closed above
	}
	return err
}

func (g *Gateway) violate(format string, args ...any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.violations = append(g.violations, fmt.Sprintf(format, args...))
}

func (g *Gateway) acceptTCP() {
	defer g.wg.Done()
	for {
		nc, err := g.tcp.Accept()
		if err != nil {
			return
		}
		g.serve(newStreamConn(nc))
	}
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (g *Gateway) serveWS(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	g.serve(newWSConn(ws))
}

// serve runs the script of the next connection index on c.
func (g *Gateway) serve(c *conn) {
	g.mu.Lock()
	n := g.conns
	g.conns++
	g.open = append(g.open, c)
	g.mu.Unlock()
	if n >= len(g.sc.Connections) {
		if n == len(g.sc.Connections) { // one report is enough: the client may retry in a loop
			g.violate("unexpected connection %d (the scenario scripts %d)", n+1, len(g.sc.Connections))
		}
		c.close()
		return
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		r := &run{g: g, c: c, n: n}
		r.play(g.sc.Connections[n])
	}()
}

// finish marks the scenario done once the last script ended.
func (g *Gateway) finish(n int, aborted bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.finished || (!aborted && n != len(g.sc.Connections)-1) {
		return
	}
	g.finished = true
	close(g.done)
}
