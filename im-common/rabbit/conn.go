package rabbit

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/whaleim/whaleim/im-common/backoff"
	"github.com/whaleim/whaleim/im-common/mq"
)

// Conn is the one AMQP connection of a process. It re-dials with backoff
// when the connection drops and re-declares every topology it was given.
// Publishers and consumers take their channels from it. Safe for concurrent
// use.
//
// Lock order: topoMu before mu.
type Conn struct {
	url  string
	log  *slog.Logger
	opts options

	topoMu sync.Mutex // serializes declaring; guards topo
	topo   mq.Topology

	mu     sync.Mutex
	ac     *amqp.Connection // nil while disconnected
	closes chan *amqp.Error // close notifications of ac
	change chan struct{}    // closed and replaced on every state change
	done   bool             // Run has returned

	blocked atomic.Bool

	// subscribed, if set, is called after each successful basic.consume;
	// tests use it to know a standby consumer is registered. Set it before
	// the first Consume call.
	subscribed func(queue string)
}

// Option tunes a Conn.
type Option func(*options)

type options struct {
	name        string
	deadLetter  string
	minBackoff  time.Duration
	maxBackoff  time.Duration
	dialTimeout time.Duration
}

// WithName sets the connection name the broker shows for this process.
func WithName(name string) Option { return func(o *options) { o.name = name } }

// WithDeadLetterExchange replaces mq.ExchangeDead as the target of queues
// with DeadLetter set. Tests use it to keep their dead letters apart.
func WithDeadLetterExchange(name string) Option {
	return func(o *options) { o.deadLetter = name }
}

// WithBackoff bounds the pause between reconnect and resubscribe attempts.
func WithBackoff(lo, hi time.Duration) Option {
	return func(o *options) { o.minBackoff, o.maxBackoff = lo, hi }
}

// Dial connects to url and declares topo, retrying with backoff until it
// succeeds or ctx is done. The caller must then run Run, which keeps the
// connection alive; without Run a dropped connection is never replaced.
func Dial(ctx context.Context, url string, topo mq.Topology, log *slog.Logger, opts ...Option) (*Conn, error) {
	c := &Conn{
		url:  url,
		log:  log,
		topo: union(mq.Topology{}, topo),
		opts: options{
			name:       "im",
			deadLetter: mq.ExchangeDead,
			minBackoff: 100 * time.Millisecond, maxBackoff: 5 * time.Second,
			dialTimeout: 5 * time.Second,
		},
		change: make(chan struct{}),
	}
	for _, o := range opts {
		o(&c.opts)
	}
	if err := c.reconnect(ctx); err != nil {
		return nil, fmt.Errorf("rabbit: dial: %w", err)
	}
	return c, nil
}

// Run keeps the connection up until ctx is done: when the broker or the
// network drops it, Run re-dials with backoff and jitter and re-declares the
// topology. On return it closes the connection; channels die with it, so
// consumers requeue their unacked deliveries and pending publishes fail with
// ErrNotConfirmed. Run returns nil after ctx is done. Call it once.
func (c *Conn) Run(ctx context.Context) error {
	defer c.shutdown()
	for {
		c.mu.Lock()
		closes := c.closes
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil
		case err := <-closes:
			c.setDown()
			// err is nil when the connection was closed from this side.
			c.log.Warn("rabbit: connection lost, reconnecting", "err", err)
			if c.reconnect(ctx) != nil {
				return nil
			}
			c.log.Info("rabbit: reconnected")
		}
	}
}

// Ready reports whether the connection is up and its topology declared; it
// backs the process's readiness probe.
func (c *Conn) Ready() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ac != nil && !c.ac.IsClosed()
}

// Blocked reports whether the broker currently blocks publishing on this
// connection (connection.blocked, raised by a memory or disk alarm).
func (c *Conn) Blocked() bool { return c.blocked.Load() }

// Declare declares t now and remembers it, so it is declared again after
// every reconnect. It waits for the connection if it is down. A declaration
// the broker refuses (for example arguments that differ from an existing
// queue's) is returned and not remembered.
func (c *Conn) Declare(ctx context.Context, t mq.Topology) error {
	for {
		ac, err := c.conn(ctx)
		if err != nil {
			return err
		}
		c.topoMu.Lock()
		err = declare(ac, t, c.opts.deadLetter)
		if err == nil {
			c.topo = union(c.topo, t)
		}
		c.topoMu.Unlock()
		if err == nil || !ac.IsClosed() {
			return err
		}
		// The connection died under us; the next one needs it too.
	}
}

// reconnect dials until a connection is up with the topology declared.
func (c *Conn) reconnect(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		err := c.connect(ctx)
		if err == nil {
			return nil
		}
		c.log.Warn("rabbit: connect failed", "attempt", attempt+1, "err", err)
		if backoff.Sleep(ctx, backoff.Delay(attempt, c.opts.minBackoff, c.opts.maxBackoff)) != nil {
			return fmt.Errorf("%w (last attempt: %w)", ctx.Err(), err)
		}
	}
}

func (c *Conn) connect(ctx context.Context) error {
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName(c.opts.name)
	ac, err := amqp.DialConfig(c.url, amqp.Config{
		Heartbeat:  10 * time.Second,
		Locale:     "en_US",
		Dial:       amqp.DefaultDial(c.opts.dialTimeout),
		Properties: props,
	})
	if err != nil {
		return err
	}
	closes := ac.NotifyClose(make(chan *amqp.Error, 1))
	blocks := ac.NotifyBlocked(make(chan amqp.Blocking, 1))
	c.blocked.Store(false) // a new connection starts unblocked; the broker says otherwise at once
	go c.watchBlocked(blocks)
	c.topoMu.Lock()
	defer c.topoMu.Unlock()
	if err := declareWithin(ctx, ac, c.topo, c.opts.deadLetter); err != nil {
		closeConn(ac)
		return err
	}
	c.setUp(ac, closes)
	return nil
}

// declareTimeout bounds declaring a topology on a fresh connection. AMQP
// calls have no deadline of their own, and a broker that is still recovering
// a queue can leave a declare unanswered.
const declareTimeout = 30 * time.Second

// declareWithin declares t on ac, closing ac to abort the declare when ctx
// is done or declareTimeout has passed.
func declareWithin(ctx context.Context, ac *amqp.Connection, t mq.Topology, deadLetter string) error {
	ctx, cancel := context.WithTimeout(ctx, declareTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { closeConn(ac) })
	defer stop()
	err := declare(ac, t, deadLetter)
	if ctx.Err() != nil {
		return fmt.Errorf("rabbit: declare topology: %w", ctx.Err())
	}
	return err
}

// watchBlocked mirrors connection.blocked/unblocked until the connection
// closes. It must keep reading: the library delivers these notifications
// from its frame reader and would stall the connection otherwise.
func (c *Conn) watchBlocked(blocks <-chan amqp.Blocking) {
	for b := range blocks {
		c.blocked.Store(b.Active)
		c.log.Warn("rabbit: connection flow control", "blocked", b.Active, "reason", b.Reason)
	}
}

func (c *Conn) setUp(ac *amqp.Connection, closes chan *amqp.Error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ac, c.closes = ac, closes
	c.broadcast()
}

func (c *Conn) setDown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ac, c.closes = nil, nil
	c.broadcast()
}

func (c *Conn) shutdown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ac != nil {
		closeConn(c.ac)
	}
	c.ac, c.closes, c.done = nil, nil, true
	c.broadcast()
}

// closeTimeout bounds the close handshake: a wedged broker (for example one
// whose quorum queue has no leader) may never answer connection.close, and
// stopping the process must not wait for it.
const closeTimeout = 5 * time.Second

// closeConn closes ac best effort; afterwards the socket is gone either way.
func closeConn(ac *amqp.Connection) {
	_ = ac.CloseDeadline(time.Now().Add(closeTimeout))
}

// broadcast wakes everyone waiting for a state change; c.mu must be held.
func (c *Conn) broadcast() {
	close(c.change)
	c.change = make(chan struct{})
}

// conn returns the live connection, waiting while there is none.
func (c *Conn) conn(ctx context.Context) (*amqp.Connection, error) {
	for {
		c.mu.Lock()
		ac, change, done := c.ac, c.change, c.done
		c.mu.Unlock()
		if done {
			return nil, ErrClosed
		}
		if ac != nil && !ac.IsClosed() {
			return ac, nil
		}
		select {
		case <-change:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// channel opens a channel on the live connection, waiting while there is
// none.
func (c *Conn) channel(ctx context.Context) (*amqp.Channel, error) {
	for {
		ac, err := c.conn(ctx)
		if err != nil {
			return nil, err
		}
		ch, err := ac.Channel()
		if err == nil {
			return ch, nil
		}
		if !ac.IsClosed() {
			return nil, fmt.Errorf("rabbit: open channel: %w", err)
		}
	}
}
