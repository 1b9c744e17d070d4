package mq

import (
	"errors"
	"fmt"
)

// Errors of the queue ports, shared by every adapter so callers test them
// with errors.Is whatever backs the port.
var (
	// ErrPermanent marks a handler error that retrying cannot fix (an
	// undecodable body, a contract violation): the delivery goes to the
	// dead-letter exchange at once instead of being retried.
	ErrPermanent = errors.New("mq: permanent failure")
	// ErrUnroutable means no queue is bound for the message's exchange and
	// key (or the request queue does not exist). Nothing was stored.
	ErrUnroutable = errors.New("mq: message unroutable")
	// ErrNotConfirmed means the queue went away before it accepted the
	// message; it may or may not be stored, so the caller republishes.
	ErrNotConfirmed = errors.New("mq: publish not confirmed")
	// ErrNoReply means a call ended before its reply arrived (no server, a
	// slow one, or a lost reply). The request may have been handled.
	ErrNoReply = errors.New("mq: no reply")
	// ErrClosed is returned once the adapter has been shut down.
	ErrClosed = errors.New("mq: queue closed")
)

// Permanent wraps err so that errors.Is(err, ErrPermanent) holds: returned
// by a handler, the delivery is dead-lettered instead of retried.
func Permanent(err error) error {
	return fmt.Errorf("%w: %w", ErrPermanent, err)
}
