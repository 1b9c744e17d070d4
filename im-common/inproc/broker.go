package inproc

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/whaleim/whaleim/im-common/mq"
)

// errClosed is returned once Close has been called.
var errClosed = fmt.Errorf("inproc: %w", mq.ErrClosed)

// Broker is the in-process queue. Safe for concurrent use.
type Broker struct {
	log  *slog.Logger
	opts options
	j    *journal // nil without a data folder

	mu        sync.Mutex
	exchanges map[string]string // name -> kind
	queues    map[string]*queue
	bindings  []mq.Binding
	nextID    uint64
	closed    bool
	change    chan struct{} // closed and replaced when a queue is declared or the broker closes
}

// Option tunes a Broker.
type Option func(*options)

type options struct {
	dir         string
	deadLetter  string
	compactSize int64
}

// WithDataFolder keeps durable queues in an append-only log in dir
// (created if missing): a Persistent message published to a durable queue
// is confirmed only after its record is fsynced, and Open replays the log.
// Without it every queue lives in memory.
func WithDataFolder(dir string) Option { return func(o *options) { o.dir = dir } }

// WithDeadLetterExchange replaces mq.ExchangeDead as the target of queues
// with DeadLetter set. Tests use it to keep their dead letters apart.
func WithDeadLetterExchange(name string) Option { return func(o *options) { o.deadLetter = name } }

// WithCompactSize sets the log size at which compaction is first tried
// (default DefaultCompactSize).
func WithCompactSize(n int64) Option { return func(o *options) { o.compactSize = n } }

// Open starts a broker. With WithDataFolder it replays the folder's log:
// every durable message not acked before the process stopped (or was
// killed) is back in its queue, marked redelivered, before Open returns.
// Call Close to stop it.
func Open(log *slog.Logger, opts ...Option) (*Broker, error) {
	b := &Broker{
		log:       log,
		opts:      options{deadLetter: mq.ExchangeDead, compactSize: DefaultCompactSize},
		exchanges: map[string]string{},
		queues:    map[string]*queue{},
		nextID:    1,
		change:    make(chan struct{}),
	}
	for _, o := range opts {
		o(&b.opts)
	}
	if b.opts.dir == "" {
		return b, nil
	}
	j, err := openJournal(b.opts.dir, b.opts.compactSize, log, b.restore)
	if err != nil {
		return nil, err
	}
	j.snapshot = b.snapshot
	b.j = j
	go j.run()
	return b, nil
}

// restore puts a replayed message back into its queue; the queue gets its
// other properties when a process declares it.
func (b *Broker) restore(s stored) {
	q := b.queues[s.queue]
	if q == nil {
		q = newQueue(mq.Queue{Name: s.queue, Durable: true})
		b.queues[s.queue] = q
	}
	q.ready = append(q.ready, &message{stored: s, durable: true, redelivered: true})
	b.nextID = max(b.nextID, s.id+1)
}

// Close stops the broker: consumers return, publishes fail with an error
// matching mq.ErrClosed, and the log is flushed and closed.
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.broadcast()
	for _, q := range b.queues {
		q.notify()
	}
	b.mu.Unlock()
	if b.j == nil {
		return nil
	}
	return b.j.close()
}

// Ready reports whether the broker accepts publishes (it is open and its
// log writes succeed), for /readyz.
func (b *Broker) Ready() bool {
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return false
	}
	if b.j == nil {
		return true
	}
	b.j.mu.Lock()
	defer b.j.mu.Unlock()
	return b.j.failed == nil
}

// Declare creates the exchanges, queues and bindings of t. Declaring again
// with the same arguments changes nothing; a queue or exchange declared
// with other arguments is an error, as on a broker.
func (b *Broker) Declare(_ context.Context, t mq.Topology) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return errClosed
	}
	for _, e := range t.Exchanges {
		if err := b.declareExchange(e); err != nil {
			return err
		}
	}
	for _, d := range t.Queues {
		if err := b.declareQueue(d); err != nil {
			return err
		}
	}
	for _, bd := range t.Bindings {
		if b.queues[bd.Queue] == nil {
			return fmt.Errorf("inproc: bind %q: no such queue", bd.Queue)
		}
		if _, ok := b.exchanges[bd.Exchange]; !ok {
			return fmt.Errorf("inproc: bind %q: no exchange %q", bd.Queue, bd.Exchange)
		}
		if !containsBinding(b.bindings, bd) {
			b.bindings = append(b.bindings, bd)
		}
	}
	b.broadcast()
	return nil
}

func (b *Broker) declareExchange(e mq.Exchange) error {
	kind := e.Kind
	if kind == "" {
		kind = "direct"
	}
	if kind != "direct" && kind != "fanout" {
		return fmt.Errorf("inproc: exchange %q: kind %q not supported", e.Name, kind)
	}
	if old, ok := b.exchanges[e.Name]; ok && old != kind {
		return fmt.Errorf("inproc: exchange %q redeclared as %s (is %s)", e.Name, kind, old)
	}
	b.exchanges[e.Name] = kind
	return nil
}

func (b *Broker) declareQueue(d mq.Queue) error {
	if d.Type == mq.Quorum {
		d.Durable = true // as on RabbitMQ: quorum queues are always durable
	}
	q := b.queues[d.Name]
	switch {
	case q == nil:
		b.queues[d.Name] = newQueue(d)
		b.queues[d.Name].declared = true
	case !q.declared:
		q.def, q.declared = d, true // restored from the log
	case q.def != d:
		return fmt.Errorf("inproc: queue %q redeclared with other arguments", d.Name)
	}
	b.queues[d.Name].idleSince = time.Now()
	return nil
}

func containsBinding(bs []mq.Binding, b mq.Binding) bool {
	for _, x := range bs {
		if x == b {
			return true
		}
	}
	return false
}

// broadcast wakes everyone waiting for a declaration; b.mu must be held.
func (b *Broker) broadcast() {
	close(b.change)
	b.change = make(chan struct{})
}

// waitQueue returns the named queue, waiting until it is declared (as a
// RabbitMQ consumer keeps subscribing until its queue exists).
func (b *Broker) waitQueue(ctx context.Context, name string) (*queue, error) {
	for {
		b.mu.Lock()
		q, closed, change := b.queues[name], b.closed, b.change
		b.mu.Unlock()
		switch {
		case closed:
			return nil, errClosed
		case q != nil:
			return q, nil
		}
		select {
		case <-change:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
