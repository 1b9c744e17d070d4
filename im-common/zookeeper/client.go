package zookeeper

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"
)

// DefaultSessionTimeout is used when Connect is given a zero session timeout.
// The server clamps whatever we ask for into [2, 20] ticks.
const DefaultSessionTimeout = 10 * time.Second

// ErrClosed is returned by operations and loops of a Client after Close.
var ErrClosed = errors.New("zookeeper: client closed")

// Client is one ZooKeeper session (re-established as a new session after
// expiry) shared by registrations and watchers. It is safe for concurrent use.
type Client struct {
	conn      *zk.Conn
	log       *slog.Logger
	closed    chan struct{}
	closeOnce sync.Once
	// published lets the event callback, which may run before Connect
	// returns, read the session id without racing on conn.
	published atomic.Pointer[zk.Conn]
	// sessionUp gets a token whenever a session is (re-)established.
	sessionUp chan struct{}

	mu sync.Mutex
	// held records every session that has owned one of our nodes. The library
	// only moves to a new session after the server declared the old one
	// expired, so a node still owned by one of these is safe to replace.
	held map[int64]bool
}

// Connect dials servers ("host:port") and waits until a session is
// established or ctx ends. sessionTimeout is a request; the server may
// adjust it (see zoo.cfg minSessionTimeout/maxSessionTimeout).
func Connect(ctx context.Context, servers []string, sessionTimeout time.Duration, log *slog.Logger) (*Client, error) {
	if sessionTimeout == 0 {
		sessionTimeout = DefaultSessionTimeout
	}
	c := &Client{
		log:       log.With("component", "zookeeper"),
		closed:    make(chan struct{}),
		sessionUp: make(chan struct{}, 1),
		held:      make(map[int64]bool),
	}
	conn, _, err := zk.Connect(servers, sessionTimeout,
		zk.WithLogger(libLogger{c.log}),
		zk.WithEventCallback(c.onEvent))
	if err != nil {
		return nil, fmt.Errorf("zookeeper connect %v: %w", servers, err)
	}
	c.conn = conn
	c.published.Store(conn)
	if err := c.awaitSession(ctx); err != nil {
		// The library's Close waits up to a second for a server to take
		// the close request; there is none, and ctx is already over.
		close(c.closed)
		go conn.Close()
		return nil, fmt.Errorf("zookeeper connect %v: %w", servers, err)
	}
	c.log.Info("zookeeper connected", "servers", servers, "session", hexID(conn.SessionID()))
	return c, nil
}

func (c *Client) awaitSession(ctx context.Context) error {
	for c.conn.State() != zk.StateHasSession {
		select {
		case <-ctx.Done():
			return fmt.Errorf("no session (state %v): %w", c.conn.State(), ctx.Err())
		case <-c.sessionUp:
		}
	}
	return nil
}

// Close ends the session. The server deletes the session's ephemeral nodes
// at once, so peers see this node leave without waiting for a timeout.
// Loops and watchers of this client stop. Close is idempotent. Without a
// connection it takes about a second: the library waits that long for a
// server to accept the close request.
func (c *Client) Close() {
	c.closeOnce.Do(func() {
		close(c.closed)
		c.conn.Close()
	})
}

// SessionID returns the current session id, 0 while there is none (after
// expiry until the new session is established).
func (c *Client) SessionID() int64 {
	return c.conn.SessionID()
}

// Connected reports whether the client has a live session and a connection
// to a server right now; a readiness probe can use it.
func (c *Client) Connected() bool {
	return !c.isClosed() && c.conn.State() == zk.StateHasSession // Close ends the session asynchronously
}

// ErrNoSession is Probe's answer while the client has no live session.
var ErrNoSession = errors.New("zookeeper: no session")

// Probe is Connected as a readiness check: nil while the client has a live
// session, ErrNoSession otherwise.
func (c *Client) Probe(context.Context) error {
	if !c.Connected() {
		return ErrNoSession
	}
	return nil
}

// onEvent runs on the library's goroutines for every event; it must not block.
// Unlike the library's event channel it never drops an event.
func (c *Client) onEvent(ev zk.Event) {
	if ev.Type != zk.EventSession {
		return
	}
	switch ev.State {
	case zk.StateHasSession:
		var sid int64
		if conn := c.published.Load(); conn != nil {
			sid = conn.SessionID()
		}
		c.log.Info("zookeeper session established", "server", ev.Server, "session", hexID(sid))
		select {
		case c.sessionUp <- struct{}{}:
		default:
		}
	case zk.StateExpired:
		c.log.Warn("zookeeper session expired; the server deleted its ephemeral nodes", "server", ev.Server)
	case zk.StateDisconnected:
		c.log.Debug("zookeeper disconnected", "server", ev.Server)
	}
}

// markHeld remembers that session sid owned one of our nodes.
func (c *Client) markHeld(sid int64) {
	c.mu.Lock()
	c.held[sid] = true
	c.mu.Unlock()
}

// heldBefore reports whether sid is a session of this client other than the
// current one: expired, so its nodes are ours to replace.
func (c *Client) heldBefore(sid int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.held[sid] && sid != c.conn.SessionID()
}

// ensureParents creates every missing ancestor of p as a persistent node.
func (c *Client) ensureParents(ctx context.Context, p string) error {
	for _, dir := range parents(p) {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, err := c.conn.Create(dir, nil, 0, zk.WorldACL(zk.PermAll))
		if err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return fmt.Errorf("create parent %s: %w", dir, err)
		}
	}
	return nil
}

// pause waits d, or returns false early when ctx ends, stop closes or the
// client closes.
func (c *Client) pause(ctx context.Context, stop <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-stop:
	case <-c.closed:
	}
	return false
}

// transient reports errors that only mean "no usable session right now";
// retrying after the library reconnects fixes them.
func transient(err error) bool {
	return errors.Is(err, zk.ErrNoServer) || errors.Is(err, zk.ErrConnectionClosed) ||
		errors.Is(err, zk.ErrSessionExpired) || errors.Is(err, zk.ErrSessionMoved)
}

// libLogger routes go-zookeeper's printf logging (connects, retries, loop
// exits) to slog at debug level; state changes are logged by onEvent.
type libLogger struct{ log *slog.Logger }

// Printf implements zk.Logger.
func (l libLogger) Printf(format string, args ...any) {
	l.log.Debug("go-zookeeper: " + fmt.Sprintf(format, args...))
}
