// Package rabbit is the platform's RabbitMQ client: one connection per
// process that survives broker restarts, publishers that report only what
// the broker really stored, and consumers that ack after their side effects.
// It applies the topology-as-data contract of package mq and fills the
// queue ports there: *Publisher is an mq.Publisher, *Conn an mq.Consumer,
// mq.BatchConsumer, mq.Server and mq.Declarer, *Caller an mq.Caller; its
// errors wrap the mq ones (ErrUnroutable matches mq.ErrUnroutable...).
//
// # Lifecycle
//
//	c, err := rabbit.Dial(ctx, url, mq.StoreTopology(mq.Quorum), log) // connects and declares
//	go c.Run(ctx)                                              // keeps it alive until ctx is done
//	pub := c.Publisher(0)
//	go c.ConsumeBatch(ctx, mq.QueueStoreMessages, mq.BatchOptions{}, store)
//
// Dial retries until its ctx is done. Run must run for the life of the
// process: it watches the connection and, when it drops, re-dials with
// exponential backoff and jitter (WithBackoff; 100ms doubling to 5s, each
// pause drawn from [ceiling/2, ceiling]) and re-declares every topology given
// to Dial or Declare before anyone can use the new connection. Ready reports
// whether the connection is up, for /readyz. When Run returns the connection
// is closed and every call returns ErrClosed. AMQP calls carry no deadline,
// so declaring on a fresh connection is bounded by a timeout (30s) and
// closing by another (5s): a half-recovered broker cannot wedge Run.
//
// Blocked reports the broker's connection.blocked flow control (memory or
// disk alarm); while it holds, Publish fails at once with ErrBlocked instead
// of queueing writes the broker will not read.
//
// Queues are declared with the x-arguments their mq.Queue asks for:
// x-queue-type, x-single-active-consumer, x-expires, x-max-length, and
// x-dead-letter-exchange (mq.ExchangeDead, or WithDeadLetterExchange). Quorum
// queues also get x-delivery-limit and at-least-once dead-lettering. Quorum
// queues are always durable. Exchanges are durable.
//
// # Publishing and confirms
//
// Publisher uses publisher confirms and mandatory routing. Publish returns
// nil only when the broker acked the message and did not return it first
// (basic.return), so for a persistent message routed to a durable queue nil
// means "on disk". Every error means "not known to be stored":
//   - ErrUnroutable: no queue bound for the key; nothing was stored.
//   - ErrNacked: the broker refused it.
//   - ErrNotConfirmed: the channel or connection died before the verdict;
//     the message may be stored, so republishing can make a duplicate.
//   - ErrBlocked: the broker raised a resource alarm; push back.
//   - ctx's error: the caller stopped waiting; the verdict is unknown.
//
// Callers republish with the same MessageID and consumers deduplicate. A
// basic.return carries no delivery tag, so each message carries its channel's
// delivery tag in the header x-im-publish-tag, which matches a return to its
// publish (see outstanding.watch); consumers of this package never see it.
// Publishes are pipelined on a pool of confirm channels: many goroutines
// wait for confirms on one channel at the same time (about 6k confirmed
// persistent publishes per second to a classic queue, 8k to a quorum queue,
// on the 2-core test box). Publishing to an exchange that does not exist
// makes the broker close the channel, which fails the other publishes then
// in flight on it with ErrNotConfirmed; they are republished like any other.
//
// # Consuming
//
// Consume and ConsumeBatch block until ctx is done, subscribe again after a
// reconnect or a consumer cancel, and ack manually:
//   - handler returns nil: ack (a batch with one multiple ack on its last
//     tag, only after the handler returned);
//   - an error wrapping mq.ErrPermanent (see mq.Permanent): reject without requeue,
//     so the message goes to the dead-letter exchange at once;
//   - another error (or a panic): nack with requeue after RetryDelay, until
//     the message has had DeliveryLimit attempts; then it is rejected and
//     dead-lettered as poison.
//
// Attempts are counted two ways and the higher count wins: the broker's
// x-delivery-count header (quorum queues, which also enforce their own
// x-delivery-limit) and, for classic queues that have neither, a per-consumer
// table of failures keyed by message id (or by a hash of routing key and
// body). That table lives in memory: it survives reconnects but not a process
// restart, so a message that crashes the process outright is only bounded on
// quorum queues. Order: one Consume handles one delivery at a time in queue
// order; single-active-consumer queues (a queue property in mq) keep one
// consumer active across processes and fail over when it goes away.
//
// # Request/reply
//
// Caller.Call publishes a request to a queue (default exchange, mandatory)
// and waits for its reply through direct reply-to (amq.rabbitmq.reply-to),
// bounded by its context: ErrUnroutable at once when the queue does not
// exist, ErrNoReply when the time is over (nobody serves, or too slowly);
// the request expires with the caller's deadline. Serve answers a queue's
// requests; every Serve call is a competing consumer. Replies are not
// confirmed: a lost reply is a timeout, so only idempotent questions
// belong here (the gateway's "may this user log in").
//
// # Concurrency
//
// Conn, Publisher and the Consume methods are safe for concurrent use. Each
// Consume call owns its channel; Publisher lanes each own one channel. The
// library's notification channels are always drained, so a slow handler never
// stalls the connection's frame reader.
package rabbit

import "github.com/whaleim/whaleim/im-common/mq"

// The queue ports this package fills.
var (
	_ mq.Publisher     = (*Publisher)(nil)
	_ mq.Consumer      = (*Conn)(nil)
	_ mq.BatchConsumer = (*Conn)(nil)
	_ mq.Server        = (*Conn)(nil)
	_ mq.Declarer      = (*Conn)(nil)
	_ mq.Caller        = (*Caller)(nil)
)
