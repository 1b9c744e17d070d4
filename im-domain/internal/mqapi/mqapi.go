// Package mqapi is the domain's MQ entry point: it consumes the uplink
// shard queues (im.uplink.{k}) this node owns (every one, or its part of
// them by an Assignment) in batches, each shard with its own consumer,
// and processes what all the shards of this node have as one cycle: every
// mq.Uplink of every delivery (one uplink or an mq.UplinkBatch) goes into
// one message.Batch, each shard's in queue order. The shard queues are
// single-active-consumer, so with several domain nodes one consumer per
// queue is active and the order of a conversation holds.
//
// Ack policy (an mq.BatchConsumer acks a shard's batch on nil):
// once the cycle holding it is processed, refusals (answered to the client
// with a code) included, it is acked; a transient failure is returned, so
// the batch is requeued and retried until the delivery limit dead-letters
// it; an undecodable delivery is dead-lettered at once on its own.
package mqapi

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

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
	Edit(from device.ID, broker string, e payload.Edit)
	Typing(from device.ID, t payload.Typing)
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
	owned    atomic.Int64 // shards consumed now (Run)
}

// Owned is how many uplink shards this node consumes now.
func (h *Handler) Owned() int { return int(h.owned.Load()) }

// New returns a Handler building one Batch per delivery batch.
func New(newBatch func() Batch, dead DeadLetter, log *slog.Logger) *Handler {
	return &Handler{newBatch: newBatch, dead: dead, log: log.With("component", "mqapi")}
}

// HandleBatch processes the deliveries of one shard alone (a
// mq.BatchHandler): every uplink of every delivery, in queue order, as
// one message.Batch. An undecodable delivery is dead-lettered on its own; a
// transient failure of the batch returns an error, so the whole batch is
// requeued (the dedup layer makes the retry safe).
func (h *Handler) HandleBatch(ctx context.Context, ds []mq.Delivery) error {
	adds, err := h.parse(ctx, ds)
	if err != nil || len(adds) == 0 {
		return err
	}
	return h.runAlone(ctx, &part{adds: adds, deliveries: len(ds), attempt: ds[0].Attempt})
}

// runAlone processes one part as its own message.Batch.
func (h *Handler) runAlone(ctx context.Context, p *part) error {
	b := h.newBatch()
	p.addTo(b)
	err := b.Run(ctx)
	if err != nil {
		h.log.WarnContext(ctx, "uplink batch failed, requeued", "deliveries", p.deliveries, "attempt", p.attempt, "err", err)
	}
	return err
}

// parse decodes the deliveries into the additions to a batch, in queue
// order. An undecodable delivery is dead-lettered and left out; an uplink
// that cannot be processed is logged and left out (the rest of its
// delivery goes on). An error means a dead letter could not be set aside.
func (h *Handler) parse(ctx context.Context, ds []mq.Delivery) ([]func(Batch), error) {
	var adds []func(Batch)
	for _, d := range ds {
		ups, err := mq.DecodeUplinks(d.Body)
		if err != nil {
			if err := h.dead(ctx, d.Body, err.Error()); err != nil {
				return nil, fmt.Errorf("mqapi: dead-letter undecodable uplink: %w", err)
			}
			h.log.ErrorContext(ctx, "undecodable uplink dead-lettered", "err", err)
			continue
		}
		for i := range ups {
			add, err := dispatch(&ups[i])
			if err != nil {
				h.refused(ctx, &ups[i], err)
				continue
			}
			adds = append(adds, add)
		}
	}
	return adds, nil
}

func (h *Handler) refused(ctx context.Context, up *mq.Uplink, err error) {
	if up.From.UserID == "" {
		h.log.ErrorContext(ctx, "uplink without a sender dropped", "command", up.Command)
		return
	}
	h.log.InfoContext(ctx, "uplink refused", "command", up.Command, "user", up.From.UserID, "err", err)
}

// dispatch returns what up adds to a batch.
func dispatch(up *mq.Uplink) (func(Batch), error) {
	if up.From.UserID == "" {
		return nil, errcode.MissingField.With("from")
	}
	from := up.From
	switch up.Command {
	case command.MessageP2P, command.GroupMessage:
		var m payload.Message
		if err := decode(up, &m); err != nil {
			return nil, err
		}
		in := message.Send{AppID: from.AppID, FromID: from.UserID, Origin: &from,
			Broker: up.Broker, Group: up.Command == command.GroupMessage, Msg: m}
		return func(b Batch) { b.Send(in) }, nil
	case command.MessageReceiveAck:
		var a payload.ReceiveAck
		if err := decode(up, &a); err != nil {
			return nil, err
		}
		return func(b Batch) { b.ReceiveAck(from, a) }, nil
	case command.MessageRead, command.GroupRead:
		var r payload.Read
		if err := decode(up, &r); err != nil {
			return nil, err
		}
		group := up.Command == command.GroupRead
		return func(b Batch) { b.Read(from, r, group) }, nil
	case command.MessageRecall:
		var r payload.Recall
		if err := decode(up, &r); err != nil {
			return nil, err
		}
		broker := up.Broker
		return func(b Batch) { b.Recall(from, broker, r) }, nil
	case command.MessageEdit:
		var e payload.Edit
		if err := decode(up, &e); err != nil {
			return nil, err
		}
		broker := up.Broker
		return func(b Batch) { b.Edit(from, broker, e) }, nil
	case command.MessageTyping:
		var t payload.Typing
		if err := decode(up, &t); err != nil {
			return nil, err
		}
		return func(b Batch) { b.Typing(from, t) }, nil
	default:
		return nil, errcode.UnknownCommand.With(up.Command.String())
	}
}

// decode reads the client body; a body that does not decode is a refusal
// (the gateway already checked it is a JSON object).
func decode(up *mq.Uplink, v any) error {
	if err := payload.Decode(up.Payload, v); err != nil {
		return errcode.MalformedJSON.With(err.Error())
	}
	return nil
}
