// Package mqapi is the domain's MQ entry point: it consumes every uplink
// shard queue (im.uplink.{k}) in batches, each shard with its own consumer,
// and hands every mq.Uplink of a batch (a delivery holds one uplink or an
// mq.UplinkBatch) to one message.Batch, in queue order. The shard queues
// are single-active-consumer, so with several domain nodes one consumer per
// queue is active and the order of a conversation holds.
//
// Ack policy (an mq.BatchConsumer acks the batch on nil): once
// the batch is processed, refusals (answered to the client with a code)
// included, it is acked; a transient failure is returned, so the batch is
// requeued and retried until the delivery limit dead-letters it; an
// undecodable delivery is dead-lettered at once on its own.
package mqapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/message"
)

// Batch is the work of one uplink batch (message.Batch).
type Batch interface {
	Send(in message.Send)
	ReceiveAck(from device.ID, a payload.ReceiveAck)
	Read(from device.ID, r payload.Read, group bool)
	Recall(from device.ID, broker string, r payload.Recall)
	Run(ctx context.Context) error
}

// Consumer consumes one queue in batches with manual acks (an mq.BatchConsumer).
type Consumer interface {
	ConsumeBatch(ctx context.Context, queue string, opts mq.BatchOptions, h mq.BatchHandler) error
}

// DeadLetter sets aside a delivery that can never be processed (the
// dead-letter exchange); reason says why.
type DeadLetter func(ctx context.Context, body []byte, reason string) error

// Handler dispatches uplinks.
type Handler struct {
	newBatch func() Batch
	dead     DeadLetter
	log      *slog.Logger
}

// New returns a Handler building one Batch per delivery batch.
func New(newBatch func() Batch, dead DeadLetter, log *slog.Logger) *Handler {
	return &Handler{newBatch: newBatch, dead: dead, log: log.With("component", "mqapi")}
}

// Batching defaults for the uplink shards: a consumer takes what its shard
// has, up to MaxBatch deliveries, waiting at most MaxWait for more once
// one arrived; the broker sends the next batch ahead while one is worked.
const (
	DefaultMaxBatch = 256
	DefaultMaxWait  = 2 * time.Millisecond
)

// Run consumes the shards uplink queues, each with its own consumer, until
// ctx is done.
func (h *Handler) Run(ctx context.Context, c Consumer, shards int, opts mq.BatchOptions) error {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultMaxBatch
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = DefaultMaxWait
	}
	g, gctx := errgroup.WithContext(ctx)
	for k := range shards {
		g.Go(func() error { return c.ConsumeBatch(gctx, mq.UplinkQueue(k), opts, h.HandleBatch) })
	}
	return g.Wait()
}

// HandleBatch processes the deliveries of one shard (a mq.BatchHandler):
// every uplink of every delivery, in queue order, as one message.Batch.
// An undecodable delivery is dead-lettered on its own; a transient failure
// of the batch returns an error, so the whole batch is requeued (the dedup
// layer makes the retry safe).
func (h *Handler) HandleBatch(ctx context.Context, ds []mq.Delivery) error {
	b := h.newBatch()
	for _, d := range ds {
		ups, err := mq.DecodeUplinks(d.Body)
		if err != nil {
			if err := h.dead(ctx, d.Body, err.Error()); err != nil {
				return fmt.Errorf("mqapi: dead-letter undecodable uplink: %w", err)
			}
			h.log.ErrorContext(ctx, "undecodable uplink dead-lettered", "err", err)
			continue
		}
		for i := range ups {
			h.add(ctx, b, &ups[i])
		}
	}
	err := b.Run(ctx)
	if err != nil {
		h.log.WarnContext(ctx, "uplink batch failed, requeued", "deliveries", len(ds), "attempt", ds[0].Attempt, "err", err)
	}
	return err
}

// add puts one uplink into b; one that cannot be processed is logged and
// dropped (the rest of its delivery goes on).
func (h *Handler) add(ctx context.Context, b Batch, up *mq.Uplink) {
	err := dispatch(b, up)
	switch {
	case err == nil:
	case up.From.UserID == "":
		h.log.ErrorContext(ctx, "uplink without a sender dropped", "command", up.Command)
	default:
		h.log.InfoContext(ctx, "uplink refused", "command", up.Command, "user", up.From.UserID, "err", err)
	}
}

func dispatch(b Batch, up *mq.Uplink) error {
	if up.From.UserID == "" {
		return errcode.MissingField.With("from")
	}
	switch up.Command {
	case command.MessageP2P, command.GroupMessage:
		var m payload.Message
		if err := decode(up, &m); err != nil {
			return err
		}
		from := up.From
		b.Send(message.Send{AppID: from.AppID, FromID: from.UserID, Origin: &from,
			Broker: up.Broker, Group: up.Command == command.GroupMessage, Msg: m})
	case command.MessageReceiveAck:
		var a payload.ReceiveAck
		if err := decode(up, &a); err != nil {
			return err
		}
		b.ReceiveAck(up.From, a)
	case command.MessageRead, command.GroupRead:
		var r payload.Read
		if err := decode(up, &r); err != nil {
			return err
		}
		b.Read(up.From, r, up.Command == command.GroupRead)
	case command.MessageRecall:
		var r payload.Recall
		if err := decode(up, &r); err != nil {
			return err
		}
		b.Recall(up.From, up.Broker, r)
	default:
		return errcode.UnknownCommand.With(up.Command.String())
	}
	return nil
}

// decode reads the client body; a body that does not decode is a refusal
// (the gateway already checked it is a JSON object).
func decode(up *mq.Uplink, v any) error {
	if err := json.Unmarshal(up.Payload, v); err != nil {
		return errcode.MalformedJSON.With(err.Error())
	}
	return nil
}
