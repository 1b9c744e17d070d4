package rabbit

import (
	"errors"
	"fmt"

	"github.com/whaleim/whaleim/im-common/mq"
)

// Errors returned by Publish. Every one of them means "not known to be
// stored": the caller may republish, and consumers deduplicate. Each wraps
// its technology-neutral counterpart in package mq where one exists, so
// callers written against the queue ports test the mq value.
var (
	// ErrUnroutable means the broker returned the message (basic.return)
	// because no queue is bound for its routing key. Nothing was stored.
	ErrUnroutable = fmt.Errorf("rabbit: %w", mq.ErrUnroutable)
	// ErrNacked means the broker refused the message (basic.nack).
	ErrNacked = fmt.Errorf("rabbit: publish nacked by broker: %w", mq.ErrNotConfirmed)
	// ErrNotConfirmed means the channel or connection went away before the
	// broker confirmed the message; it may or may not have been stored.
	ErrNotConfirmed = fmt.Errorf("rabbit: %w", mq.ErrNotConfirmed)
	// ErrBlocked means the broker has blocked publishing on this connection
	// because of a memory or disk alarm. Callers should push back on their
	// own producers instead of buffering.
	ErrBlocked = errors.New("rabbit: connection blocked by broker")
)

// ErrClosed is returned by Publish, Consume and Declare once Run has returned.
var ErrClosed = fmt.Errorf("rabbit: %w", mq.ErrClosed)

// ErrNoReply means the call's context ended before a reply arrived (no
// server, a slow one, or a lost reply). The request may have been handled.
var ErrNoReply = fmt.Errorf("rabbit: %w", mq.ErrNoReply)

// errStreamClosed ends one subscription: the channel or the connection closed
// or the broker cancelled the consumer (for example the queue was deleted).
var errStreamClosed = errors.New("rabbit: delivery stream closed")
