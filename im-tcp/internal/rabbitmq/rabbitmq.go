// Package rabbitmq adapts the shared im-common/rabbit connection to the
// gateway's Publisher and Subscriber ports.
package rabbitmq

import (
	"context"

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
	return p.P.Publish(ctx, exchange, key, rabbit.Message{Body: body, ContentType: "application/json", Persistent: true})
}

// Subscriber consumes one queue of the connection.
type Subscriber struct {
	C        *rabbit.Conn
	Prefetch int // deliveries in flight; pushes are handled quickly
}

// Consume implements gateway.Subscriber.
func (s Subscriber) Consume(ctx context.Context, queue string, handle func(context.Context, []byte) error) error {
	return s.C.Consume(ctx, queue, rabbit.ConsumeOptions{Prefetch: s.Prefetch},
		func(ctx context.Context, d rabbit.Delivery) error { return handle(ctx, d.Body) })
}
