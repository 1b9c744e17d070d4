package rabbit

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"sync/atomic"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/whaleim/whaleim/im-common/mq"
)

// Publisher publishes with publisher confirms and mandatory routing over a
// small pool of channels. Publishes on one channel are pipelined: many
// goroutines can wait for their confirms at once, so one channel already
// carries thousands of messages per second; more channels only shorten the
// queue in front of each channel's write. Safe for concurrent use.
type Publisher struct {
	lanes []*lane
	next  atomic.Uint64
	conn  *Conn
}

// DefaultPublisherChannels is the pool size used when Publisher gets 0.
const DefaultPublisherChannels = 4

// Publisher returns a publisher over n confirm-mode channels (0 means
// DefaultPublisherChannels). Channels are opened on first use and reopened
// after a reconnect.
func (c *Conn) Publisher(n int) *Publisher {
	if n <= 0 {
		n = DefaultPublisherChannels
	}
	p := &Publisher{conn: c}
	for range n {
		p.lanes = append(p.lanes, &lane{conn: c, sem: make(chan struct{}, 1)})
	}
	return p
}

// Publish sends msg to exchange with routing key and waits for the broker's
// verdict. It returns nil only when the broker confirmed the message and did
// not return it as unroutable; for a persistent message on a durable queue
// that means it is on disk. Otherwise it returns an error matching
// ErrUnroutable, ErrNacked, ErrNotConfirmed, ErrBlocked, ErrClosed or ctx's
// error, and the message may be republished (headers of a type AMQP cannot
// carry are the one error republishing cannot fix). While the connection is
// down, Publish waits for it until ctx is done.
func (p *Publisher) Publish(ctx context.Context, exchange, key string, msg mq.Publishing) error {
	if err := ctx.Err(); err != nil {
		return err // select picks at random among ready cases: decide before publishing anything
	}
	if p.conn.Blocked() {
		return ErrBlocked
	}
	if err := amqp.Table(msg.Headers).Validate(); err != nil {
		return fmt.Errorf("rabbit: message headers: %w", err) // republishing cannot help
	}
	l := p.lanes[p.next.Add(1)%uint64(len(p.lanes))]
	verdict, err := l.publish(ctx, exchange, key, msg)
	if err != nil {
		return err
	}
	select {
	case err := <-verdict:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close closes the publisher's channels; publishes waiting for a confirm
// fail with ErrNotConfirmed. The publisher reopens channels if used again.
func (p *Publisher) Close() error {
	for _, l := range p.lanes {
		l.sem <- struct{}{}
		if l.ch != nil {
			_ = l.ch.Close() // its pending publishes fail in the watcher
			l.ch = nil
		}
		<-l.sem
	}
	return nil
}

// lane is one confirm-mode channel plus the publishes waiting on it.
type lane struct {
	conn *Conn
	sem  chan struct{} // one slot: a lock that gives up when ctx is done
	ch   *amqp.Channel // guarded by sem
	out  *outstanding  // guarded by sem
}

// publish sends msg on the lane's channel and returns where its verdict
// will arrive.
func (l *lane) publish(ctx context.Context, exchange, key string, msg mq.Publishing) (<-chan error, error) {
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-l.sem }()
	if err := l.open(ctx); err != nil {
		return nil, err
	}
	tag := l.ch.GetNextPublishSeqNo()
	verdict := make(chan error, 1)
	if !l.out.add(tag, verdict) {
		return nil, ErrNotConfirmed // the channel closed a moment ago
	}
	err := l.ch.Publish(exchange, key, true, false, publishing(msg, tag))
	if err != nil {
		l.out.drop(tag)
		return nil, fmt.Errorf("%w: %w", ErrNotConfirmed, err)
	}
	return verdict, nil
}

// open makes sure the lane has a live confirm-mode channel.
func (l *lane) open(ctx context.Context) error {
	if l.ch != nil && !l.ch.IsClosed() && !l.out.isClosed() {
		return nil
	}
	l.ch = nil
	ch, err := l.conn.channel(ctx)
	if err != nil {
		return err
	}
	// The library delivers confirms and returns from its frame reader with
	// blocking sends; the watcher drains both for the channel's lifetime.
	confirms := ch.NotifyPublish(make(chan amqp.Confirmation, 256))
	returns := ch.NotifyReturn(make(chan amqp.Return, 64))
	if err := ch.Confirm(false); err != nil {
		_ = ch.Close()
		return fmt.Errorf("rabbit: enable confirms: %w", err)
	}
	l.ch, l.out = ch, newOutstanding()
	go l.out.watch(confirms, returns)
	return nil
}

// tagHeader carries the channel's delivery tag inside each message so that a
// basic.return, which has no delivery tag, can be matched to its publish.
// Consumers never see it: toDelivery strips it.
const tagHeader = "x-im-publish-tag"

func publishing(msg mq.Publishing, tag uint64) amqp.Publishing {
	h := make(amqp.Table, len(msg.Headers)+1)
	maps.Copy(h, msg.Headers)
	h[tagHeader] = int64(tag)
	p := amqp.Publishing{
		Headers:      h,
		ContentType:  msg.ContentType,
		MessageId:    msg.MessageID,
		Type:         msg.Type,
		Body:         msg.Body,
		DeliveryMode: amqp.Transient,
	}
	if msg.Persistent {
		p.DeliveryMode = amqp.Persistent
	}
	if msg.Expiration > 0 {
		p.Expiration = strconv.FormatInt(max(msg.Expiration.Milliseconds(), 1), 10)
	}
	return p
}
