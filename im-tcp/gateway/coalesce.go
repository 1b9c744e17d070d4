package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/whaleim/whaleim/im-common/mq"
)

// errCoalescerClosed refuses uplinks that arrive after shutdown began.
var errCoalescerClosed = errors.New("gateway: uplink coalescer closed")

// pendingUplink is one uplink waiting in its shard's batch. fail answers
// its sender when the batch cannot be published; it must not block.
type pendingUplink struct {
	up   mq.Uplink
	at   time.Time // when it was queued, for the linger metric
	fail func(error)
}

// batchLimits bound one published batch and the queue in front of it.
type batchLimits struct {
	linger   time.Duration // how long the first uplink of a batch waits for company
	maxBatch int           // uplinks per broker message
	maxBytes int           // payload bytes per broker message (approximate)
	maxQueue int           // queued uplinks per shard before readers wait
	timeout  time.Duration // one publish, confirm included
}

// coalescer turns the uplinks read by every connection into one broker
// message per shard and linger. Each shard has at most one flusher
// goroutine, which publishes the shard's batches one after the other and
// waits for each confirm before the next: batches of a shard can never
// overtake each other, whatever channel the publisher picks, and readers
// never wait for a confirm. While a confirm is awaited the next batch
// fills, so under load the batch size grows with the confirm latency.
type coalescer struct {
	pub     Publisher
	lim     batchLimits
	metrics *metrics
	size    prometheus.Observer // batch sizes of this coalescer's kind
	lingers prometheus.Observer // linger of this coalescer's kind
	log     *slog.Logger
	shards  []*shardQueue
	wg      sync.WaitGroup // running flushers
}

// shardQueue is the uplinks of one lane waiting to be published: a lane
// is one shard, or for a spread coalescer every shard in turn.
type shardQueue struct {
	c        *coalescer
	key      string   // the routing key of a one-shard lane
	keys     []string // a spread lane's routing keys, one batch to each in turn
	next     int      // the next of keys; only the flusher touches it
	mu       sync.Mutex
	items    []pendingUplink
	bytes    int
	flushing bool          // a flusher goroutine runs
	closed   bool          // shutdown: flush at once and accept nothing
	wake     chan struct{} // cap 1: cuts the flusher's linger short
	room     chan struct{} // closed when items leave the queue; nil when nobody waits
}

// newCoalescer returns a coalescer of the uplinks of one kind ("send":
// the metrics label) with one lane per shard, so a shard's uplinks keep
// their order.
func newCoalescer(pub Publisher, shards int, lim batchLimits, kind string, m *metrics, log *slog.Logger) *coalescer {
	c := newLanes(pub, lim, kind, m, log)
	for i := range shards {
		c.shards = append(c.shards, &shardQueue{c: c, key: mq.UplinkKey(i), wake: make(chan struct{}, 1)})
	}
	return c
}

// newSpreadCoalescer returns a coalescer of uplinks whose order does not
// matter ("control": receive-ACKs and reads, applied as forward-only
// cursors): one lane for the whole gateway, each batch published to the
// next of the shards in turn. Per shard, a lane of its own would carry one
// uplink per broker message below a few thousand per second; one lane fills
// each batch with all of them, and the turns spread the domain's work over
// every shard consumer (and domain node).
func newSpreadCoalescer(pub Publisher, shards int, lim batchLimits, kind string, m *metrics, log *slog.Logger) *coalescer {
	c := newLanes(pub, lim, kind, m, log)
	s := &shardQueue{c: c, key: "every shard", wake: make(chan struct{}, 1)}
	for i := range shards {
		s.keys = append(s.keys, mq.UplinkKey(i))
	}
	c.shards = []*shardQueue{s}
	return c
}

func newLanes(pub Publisher, lim batchLimits, kind string, m *metrics, log *slog.Logger) *coalescer {
	return &coalescer{pub: pub, lim: lim, metrics: m, log: log,
		size: m.batchSize.WithLabelValues(kind), lingers: m.linger.WithLabelValues(kind)}
}

// add queues up for shard. It waits while the shard's queue is full (the
// broker is slower than the readers), until ctx ends or the publish timeout
// passed; fail is called later if the batch of up cannot be published.
func (c *coalescer) add(ctx context.Context, shard int, up mq.Uplink, fail func(error)) error {
	s := c.shards[shard%len(c.shards)]
	var deadline *time.Timer // only a reader that has to wait pays for a timer
	for {
		room, err := s.push(pendingUplink{up: up, at: time.Now(), fail: fail})
		if room == nil {
			return err
		}
		if deadline == nil {
			deadline = time.NewTimer(c.lim.timeout)
			defer deadline.Stop()
		}
		select {
		case <-room:
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("uplink queue of %s full: %w", s.key, context.DeadlineExceeded)
		}
	}
}

// push queues p, or returns the channel to wait on while the queue is full.
func (s *shardQueue) push(p pendingUplink) (<-chan struct{}, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return nil, errCoalescerClosed
	case len(s.items) >= s.c.lim.maxQueue:
		if s.room == nil {
			s.room = make(chan struct{})
		}
		return s.room, nil
	}
	s.items = append(s.items, p)
	s.bytes += len(p.up.Payload)
	if len(s.items) >= s.c.lim.maxBatch || s.bytes >= s.c.lim.maxBytes {
		s.signal()
	}
	if !s.flushing {
		s.flushing = true
		s.c.wg.Add(1)
		go s.flush()
	}
	return nil, nil
}

// signal wakes the flusher; the caller holds mu.
func (s *shardQueue) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// flush publishes batches until the queue is empty, then exits, so an idle
// shard costs no goroutine.
func (s *shardQueue) flush() {
	defer s.c.wg.Done()
	for {
		s.linger()
		batch := s.take()
		if batch == nil {
			return
		}
		s.publish(batch)
	}
}

// linger waits until the oldest queued uplink has waited the linger, the
// batch is full, or shutdown began.
func (s *shardQueue) linger() {
	s.mu.Lock()
	full := len(s.items) >= s.c.lim.maxBatch || s.bytes >= s.c.lim.maxBytes || s.closed
	var wait time.Duration
	if len(s.items) > 0 && !full {
		wait = time.Until(s.items[0].at.Add(s.c.lim.linger))
	}
	s.mu.Unlock()
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.wake:
	}
}

// take removes the next batch from the queue; nil (and the flusher ends)
// when the queue is empty.
func (s *shardQueue) take() []pendingUplink {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.items) == 0 {
		s.flushing = false
		return nil
	}
	n, size := 0, 0
	for n < len(s.items) && n < s.c.lim.maxBatch && (n == 0 || size+len(s.items[n].up.Payload) <= s.c.lim.maxBytes) {
		size += len(s.items[n].up.Payload)
		n++
	}
	batch := s.items[:n:n]
	s.items = append([]pendingUplink(nil), s.items[n:]...)
	s.bytes -= size
	if !s.closed {
		select { // a "full" signal for what this batch took is stale
		case <-s.wake:
		default:
		}
	}
	if s.room != nil {
		close(s.room)
		s.room = nil
	}
	return batch
}

// publish sends one batch and waits for its confirm; on any failure every
// uplink of the batch is answered with a retryable refusal.
func (s *shardQueue) publish(batch []pendingUplink) {
	m := s.c.metrics
	s.c.size.Observe(float64(len(batch)))
	start := time.Now()
	s.c.lingers.Observe(start.Sub(batch[0].at).Seconds())
	err := s.send(batch)
	m.publish.Observe(time.Since(start).Seconds())
	if err == nil {
		return
	}
	m.batchFailures.Inc()
	s.c.log.Warn("uplink batch not published; its uplinks are refused as retryable", "lane", s.key, "uplinks", len(batch), "err", err)
	for _, p := range batch {
		p.fail(err)
	}
}

func (s *shardQueue) send(batch []pendingUplink) error {
	ups := make([]mq.Uplink, len(batch))
	for i, p := range batch {
		ups[i] = p.up
	}
	body := mq.AppendUplinks(nil, ups)
	ctx, cancel := context.WithTimeout(context.Background(), s.c.lim.timeout)
	defer cancel()
	key := s.key
	if len(s.keys) > 0 {
		key = s.keys[s.next%len(s.keys)]
		s.next++
	}
	return s.c.pub.Publish(ctx, mq.ExchangeUplink, key, body)
}

// close flushes what is queued, without lingering, and waits until every
// batch is published (or failed and answered). Later adds are refused.
func (c *coalescer) close() {
	for _, s := range c.shards {
		s.mu.Lock()
		s.closed = true
		s.signal()
		if s.room != nil { // waiting readers see closed and give up
			close(s.room)
			s.room = nil
		}
		s.mu.Unlock()
	}
	c.wg.Wait()
}
