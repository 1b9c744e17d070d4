package rabbit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/whaleim/whaleim/im-common/mq"
)

// Request/reply over RabbitMQ direct reply-to: a Caller publishes a request
// to a queue through the default exchange, with ReplyTo set to the
// pseudo-queue amq.rabbitmq.reply-to, which routes the reply straight back
// to the calling channel (no reply queue to declare or delete). Serve runs
// the other side; several Serve calls, in one or many processes, are
// competing consumers of the queue. Requests carry an expiration equal to
// the caller's remaining time, so a request nobody took in time is dropped
// by the broker instead of being answered for nobody.

// replyTo is RabbitMQ's direct reply-to pseudo-queue.
const replyTo = "amq.rabbitmq.reply-to"

// Caller makes request/reply calls; it is safe for concurrent use. Create
// it with Conn.Caller.
type Caller struct {
	c      *Conn
	prefix string // random per Caller: correlation ids never repeat
	seq    atomic.Uint64

	mu      sync.Mutex
	ch      *amqp.Channel // consuming replies; nil until needed or after loss
	pending map[string]chan callResult
}

type callResult struct {
	body []byte
	err  error
}

// Caller returns a new Caller on c. Its channel is opened by the first
// call and re-opened by the first call after it was lost.
func (c *Conn) Caller() *Caller {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &Caller{c: c, prefix: hex.EncodeToString(b) + "-", pending: make(map[string]chan callResult)}
}

// Call sends body to queue and waits for the reply until ctx ends. A queue
// that does not exist fails at once with ErrUnroutable; a queue nobody
// serves, or serves too late, fails with ErrNoReply when ctx ends. A
// context without deadline waits as long as the connection lives.
func (k *Caller) Call(ctx context.Context, queue string, body []byte) ([]byte, error) {
	id, wait, err := k.send(ctx, queue, body)
	if err != nil {
		return nil, fmt.Errorf("rabbit call %s: %w", queue, err)
	}
	select {
	case r := <-wait:
		if r.err != nil {
			return nil, fmt.Errorf("rabbit call %s: %w", queue, r.err)
		}
		return r.body, nil
	case <-ctx.Done():
		k.forget(id)
		return nil, fmt.Errorf("rabbit call %s: %w", queue, errors.Join(ErrNoReply, ctx.Err()))
	}
}

// send publishes the request and returns its correlation id and the
// channel its result comes on.
func (k *Caller) send(ctx context.Context, queue string, body []byte) (string, chan callResult, error) {
	if k.c.Blocked() {
		return "", nil, ErrBlocked // a publish would hang until the alarm clears
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ch == nil {
		if err := k.open(ctx); err != nil {
			return "", nil, err
		}
	}
	id := k.prefix + strconv.FormatUint(k.seq.Add(1), 36)
	wait := make(chan callResult, 1)
	k.pending[id] = wait
	msg := amqp.Publishing{CorrelationId: id, ReplyTo: replyTo, Body: body, ContentType: "application/json"}
	if dl, ok := ctx.Deadline(); ok {
		msg.Expiration = strconv.FormatInt(max(time.Until(dl).Milliseconds(), 1), 10)
	}
	if err := k.ch.PublishWithContext(ctx, "", queue, true, false, msg); err != nil {
		delete(k.pending, id)
		return "", nil, err
	}
	return id, wait, nil
}

// open starts consuming replies on a new channel. Called with k.mu held.
func (k *Caller) open(ctx context.Context) error {
	ch, err := k.c.channel(ctx)
	if err != nil {
		return err
	}
	replies, err := ch.Consume(replyTo, "", true, false, false, false, nil)
	if err != nil {
		_ = ch.Close()
		return fmt.Errorf("consume %s: %w", replyTo, err)
	}
	returns := ch.NotifyReturn(make(chan amqp.Return, 16))
	k.ch = ch
	go k.listen(ch, replies, returns)
	return nil
}

// listen hands replies and returns to their callers until the channel
// ends, then fails the calls still waiting.
func (k *Caller) listen(ch *amqp.Channel, replies <-chan amqp.Delivery, returns <-chan amqp.Return) {
	for replies != nil || returns != nil {
		select {
		case d, ok := <-replies:
			if !ok {
				replies = nil
				k.lost(ch)
				continue
			}
			k.resolve(d.CorrelationId, callResult{body: d.Body})
		case r, ok := <-returns:
			if !ok {
				returns = nil
				continue
			}
			k.resolve(r.CorrelationId, callResult{err: fmt.Errorf("%w: %d %s (key %q)", ErrUnroutable, r.ReplyCode, r.ReplyText, r.RoutingKey)})
		}
	}
}

func (k *Caller) resolve(id string, r callResult) {
	k.mu.Lock()
	wait := k.pending[id]
	delete(k.pending, id)
	k.mu.Unlock()
	if wait != nil {
		wait <- r
	}
}

// lost forgets a dead channel and fails every call waiting on it: their
// replies would go to a consumer that no longer exists.
func (k *Caller) lost(ch *amqp.Channel) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ch == ch {
		k.ch = nil
	}
	for id, wait := range k.pending {
		wait <- callResult{err: ErrNoReply}
		delete(k.pending, id)
	}
}

func (k *Caller) forget(id string) {
	k.mu.Lock()
	delete(k.pending, id)
	k.mu.Unlock()
}

// Serve answers the requests of queue with h, one at a time, until ctx is
// done (then it returns nil). Requests are acked once answered; run several
// Serve calls for parallelism. It survives reconnects like Consume.
func (c *Conn) Serve(ctx context.Context, queue string, h mq.Responder) error {
	return c.consumeLoop(ctx, queue, 4, func(ctx context.Context, requests <-chan amqp.Delivery) error {
		replies, err := c.channel(ctx)
		if err != nil {
			return err
		}
		defer replies.Close()
		for {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case d, ok := <-requests:
				if !ok {
					return errStreamClosed
				}
				if err := c.answer(ctx, replies, queue, d, h); err != nil {
					return err
				}
			}
		}
	})
}

// answer runs h on d, publishes the reply and acks d. An error means a
// channel is unusable.
func (c *Conn) answer(ctx context.Context, replies *amqp.Channel, queue string, d amqp.Delivery, h mq.Responder) error {
	var out []byte
	err := callSafely(func() (err error) { out, err = h(ctx, d.Body); return err })
	switch {
	case err != nil:
		c.log.Warn("rabbit: request not answered", "queue", queue, "err", err)
	case d.ReplyTo != "":
		msg := amqp.Publishing{CorrelationId: d.CorrelationId, Body: out, ContentType: "application/json"}
		if err := replies.PublishWithContext(ctx, "", d.ReplyTo, false, false, msg); err != nil {
			return fmt.Errorf("rabbit: reply on %s: %w", queue, err)
		}
	}
	return d.Ack(false)
}
