//go:build integration

package zookeeper

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// zkAddr is the ZooKeeper under test; scripts/zookeeper.sh start serves the default.
func zkAddr() string {
	if a := os.Getenv("IM_TEST_ZK_ADDR"); a != "" {
		return a
	}
	return "127.0.0.1:2181"
}

// testLogger writes to the test's output and drops whatever the library's
// goroutines log after the test finished (that would panic otherwise).
func testLogger(t *testing.T) *slog.Logger {
	t.Helper()
	w := &gatedWriter{w: t.Output()}
	t.Cleanup(w.shut) // registered first, so it runs after every client closed
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type gatedWriter struct {
	mu   sync.Mutex
	w    io.Writer
	done bool
}

func (g *gatedWriter) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done {
		return len(p), nil
	}
	return g.w.Write(p)
}

func (g *gatedWriter) shut() {
	g.mu.Lock()
	g.done = true
	g.mu.Unlock()
}

// connect opens a client that is closed at cleanup; it fails the test when
// ZooKeeper is unreachable.
func connect(t *testing.T, log *slog.Logger, addr string, timeout time.Duration) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, err := Connect(ctx, []string{addr}, timeout, log)
	if err != nil {
		t.Fatalf("ZooKeeper at %s unreachable (start one with scripts/zookeeper.sh start): %v", addr, err)
	}
	t.Cleanup(c.Close)
	return c
}

// basePath returns a fresh /imtest/<random> path, deleted with everything
// under it when the test ends.
func basePath(t *testing.T, log *slog.Logger) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	p := "/imtest/" + strings.ReplaceAll(t.Name(), "/", "_") + "-" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := Connect(ctx, []string{zkAddr()}, 5*time.Second, log)
		if err != nil {
			t.Errorf("cleanup %s: %v", p, err)
			return
		}
		defer c.Close()
		if err := deleteTree(c.conn, p); err != nil {
			t.Errorf("cleanup %s: %v", p, err)
		}
	})
	return p
}

func deleteTree(conn *zk.Conn, p string) error {
	kids, _, err := conn.Children(p)
	if errors.Is(err, zk.ErrNoNode) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, k := range kids {
		if err := deleteTree(conn, child(p, k)); err != nil {
			return err
		}
	}
	if err := conn.Delete(p, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
		return err
	}
	return nil
}

// awaitMembers reads lists from ch until one satisfies ok, and returns it.
func awaitMembers(t *testing.T, ch <-chan []Member, timeout time.Duration, what string, ok func([]Member) bool) []Member {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var last []Member
	for {
		select {
		case ms, open := <-ch:
			if !open {
				t.Fatalf("watch closed while waiting for %s (last %s)", what, names(last))
			}
			if ok(ms) {
				return ms
			}
			last = ms
		case <-timer.C:
			t.Fatalf("no member list with %s within %v (last %s)", what, timeout, names(last))
		}
	}
}

func names(ms []Member) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return out
}

// exactly matches a member list by names.
func exactly(want ...string) func([]Member) bool {
	return func(ms []Member) bool { return slices.Equal(names(ms), want) }
}

// proxy forwards TCP to a target until blackholed: then it drops every
// connection and closes new ones at once, as a partition would look to the
// client, while the server sees the session's connection gone.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]struct{}
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, conns: make(map[net.Conn]struct{})}
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.blackhole()
	})
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.serve(c)
	}
}

func (p *proxy) serve(client net.Conn) {
	if !p.track(client) {
		client.Close()
		return
	}
	server, err := net.DialTimeout("tcp", p.target, time.Second)
	if err != nil || !p.track(server) {
		p.drop(client)
		if server != nil {
			server.Close()
		}
		return
	}
	go p.pipe(server, client)
	p.pipe(client, server)
}

func (p *proxy) pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	p.drop(dst)
	p.drop(src)
}

func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *proxy) drop(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *proxy) blackhole() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *proxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}
