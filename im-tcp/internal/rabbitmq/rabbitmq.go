// Package rabbitmq adapts the shared im-common/rabbit connection to the
// gateway's Publisher, Subscriber and Users ports.
package rabbitmq

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/rabbit"
	"github.com/whaleim/whaleim/im-tcp/gateway"
)

var (
	_ gateway.Publisher  = Publisher{}
	_ gateway.Subscriber = Subscriber{}
)

// Publisher publishes persistent JSON messages with confirms and mandatory
// routing: nil means the broker stored the message in a queue.
type Publisher struct{ P *rabbit.Publisher }

// Publish implements gateway.Publisher.
func (p Publisher) Publish(ctx context.Context, exchange, key string, body []byte) error {
	return p.P.Publish(ctx, exchange, key, mq.Publishing{Body: body, ContentType: "application/json", Persistent: true})
}

// Subscriber consumes one queue of the connection in batches of what is
// waiting, up to Batch deliveries, acked with one multiple ack. The broker
// sends 2 x Batch ahead, so the next batch is waiting while one is handled.
type Subscriber struct {
	C     *rabbit.Conn
	Batch int
}

// Consume implements gateway.Subscriber.
func (s Subscriber) Consume(ctx context.Context, queue string, handle func(context.Context, [][]byte) error) error {
	opts := mq.BatchOptions{MaxBatch: s.Batch, MaxWait: -1} // pushes wait for nothing
	return s.C.ConsumeBatch(ctx, queue, opts, func(ctx context.Context, ds []mq.Delivery) error {
		bodies := make([][]byte, len(ds))
		for i := range ds {
			bodies[i] = ds[i].Body
		}
		return handle(ctx, bodies)
	})
}

// Users asks the domain whether a user may log in, over mq.QueueAuth.
type Users struct {
	C       *rabbit.Caller
	Timeout time.Duration // how long a login waits for the answer
}

var _ gateway.Users = Users{}

// CanLogin implements gateway.Users. No answer (no domain node up, a slow
// one, RabbitMQ down) refuses with the retryable 9001.
func (u Users) CanLogin(ctx context.Context, appID uint32, userID string) error {
	ctx, cancel := context.WithTimeout(ctx, u.Timeout)
	defer cancel()
	body, err := json.Marshal(mq.AuthRequest{Version: mq.Version, AppID: appID, UserID: userID})
	if err != nil {
		return fmt.Errorf("%w: %w", errcode.Internal, err)
	}
	out, err := u.C.Call(ctx, mq.QueueAuth, body)
	if err != nil {
		return fmt.Errorf("%w: login check: %w", errcode.Unavailable, err)
	}
	var r mq.AuthReply
	if err := json.Unmarshal(out, &r); err != nil || r.Version != mq.Version {
		return fmt.Errorf("%w: undecodable login check reply %q", errcode.Unavailable, out)
	}
	return verdict(errcode.Code(r.Code))
}

// verdict turns a reply code into CanLogin's result; a code the gateway
// does not know refuses as retryable rather than allowing.
func verdict(c errcode.Code) error {
	if c == errcode.Success.Code {
		return nil
	}
	if e, ok := errcode.Lookup(c); ok {
		return e
	}
	return errcode.Unavailable.With("unknown login check code " + strconv.Itoa(int(c)))
}
