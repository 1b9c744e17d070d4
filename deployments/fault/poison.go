package fault

import (
	"context"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/testwait"
)

// poisonBody is no envelope any consumer can decode.
const poisonBody = "{poison: not an envelope"

// poisonTargets are where the poison scenario publishes one message
// each: an uplink shard (the domain's) and the store's queue.
var poisonTargets = []struct{ exchange, key string }{
	{mq.ExchangeUplink, mq.UplinkKey(0)},
	{mq.ExchangeStore, mq.KeyStoreMessages},
}

// poison publishes one undecodable, persistent message to each target,
// confirmed, on the run's vhost.
func poison(ctx context.Context, e *Env) error {
	ch, closeConn, err := e.channel()
	if err != nil {
		return fmt.Errorf("poison: %w", err)
	}
	defer closeConn()
	if err := ch.Confirm(false); err != nil {
		return fmt.Errorf("poison: %w", err)
	}
	for _, t := range poisonTargets {
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, t.exchange, t.key, true, false,
			amqp.Publishing{DeliveryMode: amqp.Persistent, Body: []byte(poisonBody)})
		if err != nil {
			return fmt.Errorf("poison %s: %w", t.exchange, err)
		}
		if ok, err := dc.WaitContext(ctx); !ok || err != nil {
			return fmt.Errorf("poison %s: not confirmed: %w", t.exchange, err)
		}
	}
	return nil
}

// deadLettered waits until the dead-letter queue holds exactly one
// message per poison target, with the poison body.
func deadLettered(_ context.Context, e *Env) error {
	ch, closeConn, err := e.channel()
	if err != nil {
		return fmt.Errorf("dead letters: %w", err)
	}
	defer closeConn()
	err = testwait.Poll(30*time.Second, func() error {
		q, err := ch.QueueDeclarePassive(mq.QueueDeadLetters, true, false, false, false, nil)
		if err != nil {
			return err
		}
		if q.Messages != len(poisonTargets) {
			return fmt.Errorf("%d dead letters, want %d", q.Messages, len(poisonTargets))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for range poisonTargets {
		d, ok, err := ch.Get(mq.QueueDeadLetters, false)
		if err != nil || !ok || string(d.Body) != poisonBody {
			return fmt.Errorf("dead letter %q (%v, %v), want the poison", d.Body, ok, err)
		}
	}
	return nil
}

// channel opens a channel on the run's vhost; closeConn closes both.
func (e *Env) channel() (ch *amqp.Channel, closeConn func(), err error) {
	conn, err := amqp.Dial(rabbitURL(e.rabbit.addr) + e.run.vhost)
	if err != nil {
		return nil, nil, err
	}
	if ch, err = conn.Channel(); err != nil {
		conn.Close()
		return nil, nil, err
	}
	return ch, func() { conn.Close() }, nil
}
