package rabbit

import (
	"encoding/hex"
	"hash/fnv"

	amqp "github.com/rabbitmq/amqp091-go"
)

// attempts counts how often each message has failed in this consumer, as
// the fallback for classic queues, which have no x-delivery-limit. The
// broker's own count (the x-delivery-count header of quorum queues) wins
// when it is higher. Not safe for concurrent use: one per consumer loop.
type attempts struct {
	failed map[string]int
}

// maxTracked bounds the failure table. Entries exist only for messages that
// failed and were requeued, so hitting the bound means something is badly
// wrong; forgetting then only delays dead-lettering.
const maxTracked = 10_000

func newAttempts() *attempts { return &attempts{failed: make(map[string]int)} }

// of returns the 1-based attempt number of d. A delivery the broker does
// not flag as redelivered cannot have failed here (a failure requeues it,
// which flags it), so only redeliveries pay for the key: hashing every
// body was a tenth of a consumer's CPU.
func (a *attempts) of(d amqp.Delivery) int {
	n := 1
	if d.Redelivered && len(a.failed) > 0 {
		n += a.failed[messageKey(d)]
	}
	if c, ok := intHeader(d.Headers, "x-delivery-count"); ok && int(c)+1 > n {
		n = int(c) + 1
	}
	return n
}

func (a *attempts) fail(d amqp.Delivery) {
	if len(a.failed) >= maxTracked {
		clear(a.failed)
	}
	a.failed[messageKey(d)]++
}

func (a *attempts) forget(d amqp.Delivery) {
	if d.Redelivered && len(a.failed) > 0 { // see of
		delete(a.failed, messageKey(d))
	}
}

// messageKey identifies a message across redeliveries: its message id, or
// a hash of routing key and body when the publisher set none.
func messageKey(d amqp.Delivery) string {
	if d.MessageId != "" {
		return "id:" + d.MessageId
	}
	h := fnv.New128a()
	h.Write([]byte(d.RoutingKey))
	h.Write([]byte{0})
	h.Write(d.Body)
	return "body:" + hex.EncodeToString(h.Sum(nil))
}

// intHeader reads an integer header whatever integer type the broker or
// another client encoded it with.
func intHeader(h amqp.Table, name string) (int64, bool) {
	switch v := h[name].(type) {
	case int64:
		return v, true
	case int32:
		return int64(v), true
	case int16:
		return int64(v), true
	case int8:
		return int64(v), true
	case int:
		return int64(v), true
	case uint8:
		return int64(v), true
	case uint16:
		return int64(v), true
	case uint32:
		return int64(v), true
	default:
		return 0, false
	}
}
