package inproc

import (
	"slices"
	"time"

	"github.com/whaleim/whaleim/im-common/mq"
)

// message is one message in one queue.
type message struct {
	stored
	durable     bool // its publish record is in the log
	redelivered bool
	failures    int // failed attempts so far
	// reply takes the answer of a request (request/reply queues only).
	reply chan []byte
}

func (m *message) delivery() mq.Delivery {
	return mq.Delivery{
		Body: m.pub.Body, ContentType: m.pub.ContentType, MessageID: m.pub.MessageID, Type: m.pub.Type,
		Headers: m.pub.Headers, Exchange: m.exch, RoutingKey: m.key,
		Redelivered: m.redelivered, Attempt: m.failures + 1,
	}
}

// queue holds its messages in id order (publish order); all fields are
// guarded by Broker.mu.
type queue struct {
	def      mq.Queue
	declared bool // false for a queue only known from the log so far
	ready    []*message
	// inflight are the messages handed to consumers and not yet settled.
	inflight map[uint64]*message
	// consumers in the order they subscribed; on a SingleActive queue only
	// the first receives, and the next takes over when it leaves.
	consumers []*consumer
	idleSince time.Time // when the last consumer left, for Expires
	signal    chan struct{}
}

// consumer is one subscription; unacked counts its deliveries in flight.
type consumer struct {
	unacked int
}

func newQueue(d mq.Queue) *queue {
	return &queue{def: d, inflight: map[uint64]*message{}, signal: make(chan struct{}), idleSince: time.Now()}
}

// notify wakes the consumers waiting on q.
func (q *queue) notify() {
	close(q.signal)
	q.signal = make(chan struct{})
}

func (q *queue) durable() bool { return q.def.Durable }

// active reports whether c may receive now.
func (q *queue) active(c *consumer) bool {
	return !q.def.SingleActive || (len(q.consumers) > 0 && q.consumers[0] == c)
}

// push appends m, dropping the oldest ready message when the queue is at
// its MaxLength; it returns the dropped message.
func (q *queue) push(m *message) (dropped *message) {
	if q.def.MaxLength > 0 && len(q.ready) >= q.def.MaxLength {
		dropped, q.ready = q.ready[0], q.ready[1:]
	}
	q.ready = append(q.ready, m)
	q.notify()
	return dropped
}

// requeue puts ms back at their place in id order, so a redelivery keeps
// the order of the queue.
func (q *queue) requeue(ms []*message) {
	for _, m := range ms {
		delete(q.inflight, m.id)
		m.redelivered = true
		i, _ := slices.BinarySearchFunc(q.ready, m.id, func(x *message, id uint64) int { return compareIDs(x.id, id) })
		q.ready = slices.Insert(q.ready, i, m)
	}
	q.notify()
}

// take removes up to n ready messages for c; expired ones come back
// separately, to be dropped or dead-lettered.
func (q *queue) take(c *consumer, n int, now time.Time) (got, expired []*message) {
	i := 0
	for ; i < len(q.ready) && len(got) < n; i++ {
		m := q.ready[i]
		if !m.expires.IsZero() && now.After(m.expires) {
			expired = append(expired, m)
			continue
		}
		got = append(got, m)
		q.inflight[m.id] = m
	}
	q.ready = q.ready[i:]
	c.unacked += len(got)
	return got, expired
}

// unused reports whether q has had no consumer for longer than Expires.
func (q *queue) unused(now time.Time) bool {
	return q.def.Expires > 0 && len(q.consumers) == 0 && now.Sub(q.idleSince) > q.def.Expires
}
