package rabbit

import (
	"fmt"
	"slices"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/whaleim/whaleim/im-common/mq"
)

// declare applies t on a fresh channel of ac. Declarations are idempotent
// while arguments match; a mismatch is a PRECONDITION_FAILED error.
func declare(ac *amqp.Connection, t mq.Topology, deadLetter string) error {
	ch, err := ac.Channel()
	if err != nil {
		return fmt.Errorf("rabbit: open declare channel: %w", err)
	}
	defer ch.Close()
	for _, e := range t.Exchanges {
		if err := ch.ExchangeDeclare(e.Name, exchangeKind(e), true, false, false, false, nil); err != nil {
			return fmt.Errorf("rabbit: declare exchange %q: %w", e.Name, err)
		}
	}
	for _, q := range t.Queues {
		durable := q.Durable || q.Type == mq.Quorum // the broker refuses non-durable quorum queues
		if _, err := ch.QueueDeclare(q.Name, durable, false, q.Exclusive, false, queueArgs(q, deadLetter)); err != nil {
			return fmt.Errorf("rabbit: declare queue %q: %w", q.Name, err)
		}
	}
	for _, b := range t.Bindings {
		if err := ch.QueueBind(b.Queue, b.Key, b.Exchange, false, nil); err != nil {
			return fmt.Errorf("rabbit: bind %q to %q key %q: %w", b.Queue, b.Exchange, b.Key, err)
		}
	}
	return nil
}

func exchangeKind(e mq.Exchange) string {
	if e.Kind == "" {
		return amqp.ExchangeDirect
	}
	return e.Kind
}

// queueArgs turns the contract's Queue into x-arguments. Quorum queues that
// dead-letter use the at-least-once strategy so a poison message cannot be
// lost on its way to im.dead; that strategy requires reject-publish overflow,
// so it is skipped when MaxLength asks for drop-head semantics.
func queueArgs(q mq.Queue, deadLetter string) amqp.Table {
	a := amqp.Table{}
	if q.Type != "" {
		a["x-queue-type"] = string(q.Type)
	}
	if q.SingleActive {
		a["x-single-active-consumer"] = true
	}
	if q.Expires > 0 {
		a["x-expires"] = max(q.Expires.Milliseconds(), 1)
	}
	if q.DeadLetter {
		a["x-dead-letter-exchange"] = deadLetter
	}
	if q.MaxLength > 0 {
		a["x-max-length"] = int64(q.MaxLength)
	}
	if q.Type == mq.Quorum {
		if q.DeliveryLimit > 0 {
			a["x-delivery-limit"] = int64(q.DeliveryLimit)
		}
		if q.DeadLetter && q.MaxLength == 0 {
			a["x-dead-letter-strategy"] = "at-least-once"
			a["x-overflow"] = "reject-publish"
		}
	}
	return a
}

// union returns t plus the objects of o that t does not hold yet, so that
// declaring the same topology twice does not grow what is re-declared.
func union(t, o mq.Topology) mq.Topology {
	r := t.Merge(mq.Topology{})
	for _, e := range o.Exchanges {
		if !slices.Contains(r.Exchanges, e) {
			r.Exchanges = append(r.Exchanges, e)
		}
	}
	for _, q := range o.Queues {
		if !slices.Contains(r.Queues, q) {
			r.Queues = append(r.Queues, q)
		}
	}
	for _, b := range o.Bindings {
		if !slices.Contains(r.Bindings, b) {
			r.Bindings = append(r.Bindings, b)
		}
	}
	return r
}
