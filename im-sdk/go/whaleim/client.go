package whaleim

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/whaleim/whaleim/im-sdk/go/imclient"
)

// ErrClosed is returned by calls on a closed Client.
var ErrClosed = errors.New("whaleim: client closed")

// Client is one logged-in device. Its methods are safe for concurrent use.
type Client struct {
	cfg    Config
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	events *queue

	mu       sync.Mutex
	started  bool
	closed   bool
	state    State
	sign     string
	link     *link // the logged-in connection, nil while there is none
	outbox   outbox
	inbox    map[string]*stream
	convs    map[string]*Conversation
	requests map[string]chan error // pending recalls and edits by request id
	unread   unreadSeqs
}

// New checks cfg and loads the store; Start connects.
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Client{cfg: cfg, ctx: ctx, cancel: cancel, events: newQueue(), inbox: map[string]*stream{},
		convs: map[string]*Conversation{}, requests: map[string]chan error{}, unread: unreadSeqs{}}
	snap, err := cfg.Store.Load(ctx)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("whaleim: load store: %w", err)
	}
	for conv, seq := range snap.Seqs {
		c.stream(conv).last = seq
	}
	for _, e := range snap.Outbox {
		c.outbox.add(e)
	}
	return c, nil
}

// Events delivers every event in order. It never drops one (the queue
// grows while the app is slow) and is closed after StateChanged{Closed}.
func (c *Client) Events() <-chan Event { return c.events.out }

// Start connects in the background and keeps the connection up until
// Close or a kick.
func (c *Client) Start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started || c.closed {
		return
	}
	c.started = true
	c.setState(Connecting)
	c.wg.Add(1)
	go c.run()
}

// Close disconnects, stops every background task and emits
// StateChanged{Closed}. Unanswered sends stay in the Store.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.cancel()
	if c.link != nil {
		_ = c.link.w.Close()
	}
	c.mu.Unlock()
	c.wg.Wait()
	c.mu.Lock()
	c.emit(StateChanged{State: Closed})
	c.mu.Unlock()
	c.events.close()
	return nil
}

// State returns the connection state.
func (c *Client) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// setState emits a state change; c.mu is held.
func (c *Client) setState(s State) {
	if c.state == s {
		return
	}
	c.state = s
	c.emit(StateChanged{State: s})
}

// emit queues e; c.mu is held, which keeps events in the order of the
// state changes that caused them.
func (c *Client) emit(e Event) { c.events.push(e) }

func (c *Client) currentSign() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sign
}

// NewMessageID returns a random (version 4) UUID.
func NewMessageID() string { return imclient.NewMessageID() }

// queue is an unbounded FIFO feeding a channel, so emitting never blocks
// the SDK and never drops an event.
type queue struct {
	mu     sync.Mutex
	items  []Event
	wake   chan struct{}
	out    chan Event
	closed bool
}

func newQueue() *queue {
	q := &queue{wake: make(chan struct{}, 1), out: make(chan Event)}
	go q.pump()
	return q
}

func (q *queue) push(e Event) {
	q.mu.Lock()
	q.items = append(q.items, e)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *queue) pump() {
	defer close(q.out)
	for {
		q.mu.Lock()
		items, closed := q.items, q.closed
		q.items = nil
		q.mu.Unlock()
		for _, e := range items {
			q.out <- e
		}
		if closed && len(items) == 0 {
			return
		}
		if len(items) == 0 {
			<-q.wake
		}
	}
}
