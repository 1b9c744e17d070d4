package mq

import (
	"context"
	"time"
)

// The queue ports: what the services need from a message queue, in words
// no broker owns. Adapters fill them: package rabbit with RabbitMQ, package
// inproc inside the process (durable queues in an append-only log). A
// service declares the small interface it uses (often just one method) in
// its own package, with the types below.
//
// Guarantees every adapter gives (the contract suite in package mqtest
// checks each of them):
//   - Publish returns nil only when the message is accepted durably: for a
//     Persistent message routed to a durable queue, nil means it survives a
//     crash of the queue. Every error means "not known to be stored"; the
//     caller republishes with the same MessageID and consumers deduplicate.
//   - A queue delivers in publish order to one consumer at a time when the
//     queue is SingleActive; otherwise consumers compete.
//   - A delivery that is not acked (the consumer stopped, crashed or failed)
//     is delivered again; after DeliveryLimit attempts, or at once when the
//     handler returns an error wrapping ErrPermanent, it goes to the
//     dead-letter exchange instead (queues with DeadLetter set).

// Publishing is one message handed to Publish.
type Publishing struct {
	Body        []byte
	ContentType string
	// MessageID is the application's id for the message; a republish after
	// an error reuses it so consumers can deduplicate.
	MessageID string
	Type      string
	Headers   map[string]any
	// Persistent asks for durable acceptance: on a durable queue the
	// confirm then means "survives a crash".
	Persistent bool
	// Expiration drops the message if it waits in a queue longer; 0 keeps it.
	Expiration time.Duration
}

// Delivery is one message handed to a handler.
type Delivery struct {
	Body        []byte
	ContentType string
	MessageID   string
	Type        string
	Headers     map[string]any
	Exchange    string
	RoutingKey  string
	// Redelivered is set when the message may have been delivered before
	// (to this or another consumer) and was not acked.
	Redelivered bool
	// Attempt is 1 on the first delivery and counts up with every failed
	// attempt.
	Attempt int
}

// Handler processes one delivery: nil acks it; an error wrapping
// ErrPermanent dead-letters it; another error requeues it after a pause,
// until the delivery limit dead-letters it.
type Handler func(ctx context.Context, d Delivery) error

// BatchHandler processes a batch of deliveries in queue order: nil acks
// them all; an error wrapping ErrPermanent dead-letters them all; another
// error requeues each, except those that reached the delivery limit,
// which are dead-lettered. A handler that can tell one bad record apart
// should set it aside itself rather than fail the batch.
type BatchHandler func(ctx context.Context, batch []Delivery) error

// Responder answers one request of a request/reply queue. An error sends
// no reply (the caller times out).
type Responder func(ctx context.Context, body []byte) ([]byte, error)

// ConsumeOptions tunes Consume. Zero fields take the adapter's defaults.
type ConsumeOptions struct {
	// Prefetch is how many unacked deliveries are sent ahead (default 16).
	Prefetch int
	// DeliveryLimit is the number of attempts before a failing message is
	// dead-lettered (default DefaultDeliveryLimit).
	DeliveryLimit int
	// RetryDelay is the pause before a failed delivery is requeued, so a
	// failing dependency is not hammered (default 1s).
	RetryDelay time.Duration
}

// BatchOptions tunes ConsumeBatch. Zero fields take the adapter's defaults.
type BatchOptions struct {
	// MaxBatch is the largest batch handed to the handler (default 100).
	MaxBatch int
	// MaxWait is how long a batch may wait to fill up after its first
	// delivery arrived (default 50ms). Negative: never wait; a batch is
	// what already arrived, so it grows only while the handler is slower
	// than the queue fills (a consumer that must add no latency).
	MaxWait time.Duration
	// Prefetch is how many unacked deliveries are sent ahead (default
	// 2*MaxBatch; at least MaxBatch).
	Prefetch int
	// DeliveryLimit and RetryDelay work as in ConsumeOptions.
	DeliveryLimit int
	RetryDelay    time.Duration
}

// Publisher publishes with durable acceptance (see Publishing.Persistent).
type Publisher interface {
	Publish(ctx context.Context, exchange, key string, msg Publishing) error
}

// Consumer consumes one queue a delivery at a time until ctx is done.
type Consumer interface {
	Consume(ctx context.Context, queue string, opts ConsumeOptions, h Handler) error
}

// BatchConsumer consumes one queue in batches until ctx is done.
type BatchConsumer interface {
	ConsumeBatch(ctx context.Context, queue string, opts BatchOptions, h BatchHandler) error
}

// Caller sends a request to a queue and waits for the reply until ctx
// ends: ErrUnroutable at once when the queue does not exist, an error
// matching ErrNoReply when nobody answered in time.
type Caller interface {
	Call(ctx context.Context, queue string, body []byte) ([]byte, error)
}

// Server answers the requests of a queue until ctx is done; every Serve
// call is a competing consumer.
type Server interface {
	Serve(ctx context.Context, queue string, h Responder) error
}

// Declarer declares a topology (idempotent while arguments match).
type Declarer interface {
	Declare(ctx context.Context, t Topology) error
}
