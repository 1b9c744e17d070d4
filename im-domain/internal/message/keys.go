package message

import (
	"context"
	"errors"
	"sync"
)

// MaxKey is the largest message key: keys stay exact in JavaScript numbers.
const MaxKey = 1<<53 - 1

// KeyBlocks reserves blocks of message keys durably (mariadb.DB): Reserve
// returns the new upper bound hi of a block (hi-n, hi] that no other call,
// on any node, ever gets again.
type KeyBlocks interface {
	ReserveKeys(ctx context.Context, n int64) (hi int64, err error)
}

// Keys hands out server message keys from blocks reserved in MySQL: unique
// across nodes and restarts without any node id, and below 2^53. A restart
// skips the rest of its block, which only leaves holes.
type Keys struct {
	blocks KeyBlocks
	size   int64

	mu       sync.Mutex
	next, hi int64
}

// NewKeys returns Keys reserving size keys at a time (default 10,000: a
// reservation is a durable write that every cycle of the node waits for,
// so at 5,000 messages/s a block of 1,000 stalled the pipeline five times a
// second; a restart skips at most one block of a 2^53 space).
func NewKeys(blocks KeyBlocks, size int64) *Keys {
	if size <= 0 {
		size = 10_000
	}
	return &Keys{blocks: blocks, size: size}
}

// Next returns a new key.
func (k *Keys) Next(ctx context.Context) (int64, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.next >= k.hi {
		hi, err := k.blocks.ReserveKeys(ctx, k.size)
		if err != nil {
			return 0, err
		}
		if hi > MaxKey {
			return 0, errors.New("message: message keys exhausted")
		}
		k.next, k.hi = hi-k.size, hi
	}
	k.next++
	return k.next, nil
}
