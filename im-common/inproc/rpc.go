package inproc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/whaleim/whaleim/im-common/mq"
)

// Call sends body to queue through the default exchange and waits for the
// reply until ctx ends: an error matching mq.ErrUnroutable at once when
// the queue does not exist, one matching mq.ErrNoReply when nobody
// answered in time. The request expires with ctx's deadline.
func (b *Broker) Call(ctx context.Context, queue string, body []byte) ([]byte, error) {
	msg := mq.Publishing{Body: body, ContentType: "application/json"}
	if dl, ok := ctx.Deadline(); ok {
		msg.Expiration = max(time.Until(dl), time.Millisecond)
	}
	reply := make(chan []byte, 1)
	if _, err := b.publish("", queue, msg, reply); err != nil {
		return nil, fmt.Errorf("inproc call %s: %w", queue, err)
	}
	select {
	case out := <-reply:
		return out, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("inproc call %s: %w", queue, errors.Join(mq.ErrNoReply, ctx.Err()))
	}
}

// Serve answers the requests of queue with h, one at a time, until ctx is
// done (then it returns nil). Every Serve call is a competing consumer. A
// handler error sends no reply (the caller times out) and is logged.
func (b *Broker) Serve(ctx context.Context, queue string, h mq.Responder) error {
	return b.consume(ctx, queue, 1, 0, func(ctx context.Context, ms []*message) error {
		out, err := h(ctx, ms[0].pub.Body)
		if err != nil {
			b.log.Warn("inproc: request not answered", "queue", queue, "err", err)
			return nil
		}
		select {
		case ms[0].reply <- out: // room for one reply; a redelivered request may be answered twice
		default:
		}
		return nil
	}, 1, 0)
}
