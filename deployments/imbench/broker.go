package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// brokerMessageSize is the body of each raw-broker message.
const brokerMessageSize = 256

// brokerReport is the raw broker's pass-through: one durable queue,
// persistent messages, publisher confirms, manual acks.
type brokerReport struct {
	QueueType       string               `json:"queueType"`
	Seconds         float64              `json:"seconds"`
	Confirmed       int64                `json:"confirmed"`
	Consumed        int64                `json:"consumed"`
	ConfirmedPerSec float64              `json:"confirmedPerSec"`
	ConsumedPerSec  float64              `json:"consumedPerSec"`
	Window          int                  `json:"window"`
	MessageBytes    int                  `json:"messageBytes"`
	Usage           map[string]procUsage `json:"usage"`
	LoadAvg         float64              `json:"loadAverage1m"`
}

// rawBroker publishes and consumes for cfg.brokerDuration on a fresh queue
// that it deletes afterwards.
func rawBroker(ctx context.Context, cfg config) (*brokerReport, error) {
	pub, err := amqp.Dial(cfg.rabbitURL)
	if err != nil {
		return nil, fmt.Errorf("broker: RabbitMQ not reachable (-rabbit): %w", err)
	}
	defer pub.Close()
	sub, err := amqp.Dial(cfg.rabbitURL)
	if err != nil {
		return nil, fmt.Errorf("broker: RabbitMQ not reachable (-rabbit): %w", err)
	}
	defer sub.Close()
	pch, err := pub.Channel()
	if err != nil {
		return nil, fmt.Errorf("broker: channel: %w", err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	q := "imbench.raw." + hex.EncodeToString(b)
	if _, err := pch.QueueDeclare(q, true, false, false, false, amqp.Table{"x-queue-type": cfg.brokerQueue}); err != nil {
		return nil, fmt.Errorf("broker: declare %s: %w", q, err)
	}
	defer func() { _, _ = pch.QueueDelete(q, false, false, false) }()
	var consumed atomic.Int64
	cctx, stopConsume := context.WithCancel(ctx)
	defer stopConsume()
	consumeErr := make(chan error, 1)
	go func() { consumeErr <- consume(cctx, sub, q, cfg.brokerWindow, &consumed) }()
	before := sample(cfg.procs)
	t0 := time.Now()
	confirmed, err := publishConfirmed(ctx, pch, q, cfg.brokerWindow, cfg.brokerDuration)
	secs := time.Since(t0).Seconds()
	got := consumed.Load()
	after := sample(cfg.procs)
	stopConsume()
	if cerr := <-consumeErr; err == nil && cerr != nil && !errors.Is(cerr, context.Canceled) {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return &brokerReport{QueueType: cfg.brokerQueue, Seconds: secs, Confirmed: confirmed, Consumed: got,
		ConfirmedPerSec: float64(confirmed) / secs, ConsumedPerSec: float64(got) / secs, Window: cfg.brokerWindow,
		MessageBytes: brokerMessageSize, Usage: usageDelta(before, after), LoadAvg: loadAverage()}, nil
}

// publishConfirmed publishes persistent messages for d with at most window
// unconfirmed, and returns how many the broker confirmed.
func publishConfirmed(ctx context.Context, ch *amqp.Channel, q string, window int, d time.Duration) (int64, error) {
	if err := ch.Confirm(false); err != nil {
		return 0, fmt.Errorf("broker: confirm mode: %w", err)
	}
	confirms := ch.NotifyPublish(make(chan amqp.Confirmation, window))
	body := make([]byte, brokerMessageSize)
	var outstanding, confirmed int64
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		for outstanding < int64(window) {
			err := ch.PublishWithContext(ctx, "", q, false, false,
				amqp.Publishing{DeliveryMode: amqp.Persistent, Body: body})
			if err != nil {
				return confirmed, fmt.Errorf("broker: publish: %w", err)
			}
			outstanding++
		}
		c, ok := <-confirms
		if !ok {
			return confirmed, errors.New("broker: publisher channel closed")
		}
		outstanding--
		if c.Ack {
			confirmed++
		}
	}
	for ; outstanding > 0; outstanding-- { // collect the tail so the channel closes cleanly
		if c, ok := <-confirms; ok && c.Ack {
			confirmed++
		}
	}
	return confirmed, nil
}

// consume acks every delivery of q, one by one, until ctx ends.
func consume(ctx context.Context, conn *amqp.Connection, q string, prefetch int, n *atomic.Int64) error {
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("broker: consumer channel: %w", err)
	}
	defer ch.Close()
	if err := ch.Qos(prefetch, 0, false); err != nil {
		return fmt.Errorf("broker: qos: %w", err)
	}
	msgs, err := ch.ConsumeWithContext(ctx, q, "", false, false, false, false, nil)
	if err != nil {
		return fmt.Errorf("broker: consume: %w", err)
	}
	for m := range msgs {
		if err := m.Ack(false); err != nil {
			return fmt.Errorf("broker: ack: %w", err)
		}
		n.Add(1)
	}
	return ctx.Err()
}
