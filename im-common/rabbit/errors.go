package rabbit

import (
	"errors"
	"fmt"
)

// Errors returned by Publish. Every one of them means "not known to be
// stored": the caller may republish, and consumers deduplicate.
var (
	// ErrUnroutable means the broker returned the message (basic.return)
	// because no queue is bound for its routing key. Nothing was stored.
	ErrUnroutable = errors.New("rabbit: message unroutable")
	// ErrNacked means the broker refused the message (basic.nack).
	ErrNacked = errors.New("rabbit: publish nacked by broker")
	// ErrNotConfirmed means the channel or connection went away before the
	// broker confirmed the message; it may or may not have been stored.
	ErrNotConfirmed = errors.New("rabbit: publish not confirmed")
	// ErrBlocked means the broker has blocked publishing on this connection
	// because of a memory or disk alarm. Callers should push back on their
	// own producers instead of buffering.
	ErrBlocked = errors.New("rabbit: connection blocked by broker")
)

// ErrClosed is returned by Publish, Consume and Declare once Run has returned.
var ErrClosed = errors.New("rabbit: connection closed")

// ErrPermanent marks a handler error that retrying cannot fix (an undecodable
// body, a contract violation). Consumers reject such a delivery without
// requeue, so it goes to the dead-letter exchange at once.
var ErrPermanent = errors.New("rabbit: permanent failure")

// Permanent wraps err so that errors.Is(err, ErrPermanent) holds: returned by
// a handler, the delivery is dead-lettered instead of retried.
func Permanent(err error) error {
	return fmt.Errorf("%w: %w", ErrPermanent, err)
}

// errStreamClosed ends one subscription: the channel or the connection closed
// or the broker cancelled the consumer (for example the queue was deleted).
var errStreamClosed = errors.New("rabbit: delivery stream closed")
