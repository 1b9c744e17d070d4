// Package mqapi is the domain's MQ entry point: it consumes every uplink
// shard queue (im.uplink.{k}) and dispatches each mq.Uplink by command to
// the message core. The shard queues are single-active-consumer, so with
// several domain nodes one consumer per queue is active and the order of a
// conversation holds.
//
// Ack policy (rabbit.Consume acks on nil): a processed uplink and a refused
// one (answered to the client with a code) are acked; a transient failure is
// returned, so the delivery is requeued and retried until the delivery limit
// dead-letters it; an undecodable envelope is dead-lettered at once.
package mqapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"golang.org/x/sync/errgroup"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/rabbit"
	"github.com/whaleim/whaleim/im-domain/internal/message"
)

// Messages is the message core (message.Service).
type Messages interface {
	Send(ctx context.Context, in message.Send) (payload.AckData, error)
	ReceiveAck(ctx context.Context, from device.ID, a payload.ReceiveAck) error
	Read(ctx context.Context, from device.ID, r payload.Read, group bool) error
	Recall(ctx context.Context, from device.ID, broker string, r payload.Recall) error
}

// Consumer consumes one queue with manual acks (rabbit.Conn).
type Consumer interface {
	Consume(ctx context.Context, queue string, opts rabbit.ConsumeOptions, h rabbit.Handler) error
}

// Handler dispatches uplinks.
type Handler struct {
	msgs Messages
	log  *slog.Logger
}

// New returns a Handler.
func New(msgs Messages, log *slog.Logger) *Handler {
	return &Handler{msgs: msgs, log: log.With("component", "mqapi")}
}

// Run consumes the shards uplink queues until ctx is done.
func (h *Handler) Run(ctx context.Context, c Consumer, shards int, opts rabbit.ConsumeOptions) error {
	g, gctx := errgroup.WithContext(ctx)
	for k := range shards {
		g.Go(func() error { return c.Consume(gctx, mq.UplinkQueue(k), opts, h.Handle) })
	}
	return g.Wait()
}

// Handle processes one uplink delivery (a rabbit.Handler): a gateway's
// batch of uplinks (mq.UplinkBatch), or a single uplink, in order. A
// retryable failure requeues the whole delivery; the uplinks before it run
// again and are deduplicated (sends by messageId, cursors move forward only).
func (h *Handler) Handle(ctx context.Context, d rabbit.Delivery) error {
	ups, err := mq.DecodeUplinks(d.Body)
	if err != nil {
		return rabbit.Permanent(fmt.Errorf("mqapi: undecodable uplink: %w", err))
	}
	for i := range ups {
		if err := h.handleOne(ctx, &ups[i], d.Attempt); err != nil {
			return err
		}
	}
	return nil
}

// handleOne processes one uplink: nil acknowledges it, refusals included.
func (h *Handler) handleOne(ctx context.Context, up *mq.Uplink, attempt int) error {
	if up.From.UserID == "" {
		h.log.ErrorContext(ctx, "uplink without a sender dropped", "command", up.Command, "broker", up.Broker)
		return nil
	}
	err := h.dispatch(ctx, up)
	var code *errcode.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &code) && !code.Retryable():
		h.log.InfoContext(ctx, "uplink refused", "command", up.Command, "user", up.From.UserID, "err", err)
		return nil
	}
	h.log.WarnContext(ctx, "uplink failed, requeued", "command", up.Command, "user", up.From.UserID, "attempt", attempt, "err", err)
	return err
}

func (h *Handler) dispatch(ctx context.Context, up *mq.Uplink) error {
	switch up.Command {
	case command.MessageP2P, command.GroupMessage:
		var m payload.Message
		if err := decode(up, &m); err != nil {
			return err
		}
		from := up.From
		_, err := h.msgs.Send(ctx, message.Send{AppID: from.AppID, FromID: from.UserID, Origin: &from,
			Broker: up.Broker, Group: up.Command == command.GroupMessage, Msg: m})
		return err
	case command.MessageReceiveAck:
		var a payload.ReceiveAck
		if err := decode(up, &a); err != nil {
			return err
		}
		return h.msgs.ReceiveAck(ctx, up.From, a)
	case command.MessageRead, command.GroupRead:
		var r payload.Read
		if err := decode(up, &r); err != nil {
			return err
		}
		return h.msgs.Read(ctx, up.From, r, up.Command == command.GroupRead)
	case command.MessageRecall:
		var r payload.Recall
		if err := decode(up, &r); err != nil {
			return err
		}
		return h.msgs.Recall(ctx, up.From, up.Broker, r)
	}
	return errcode.UnknownCommand.With(up.Command.String())
}

// decode reads the client body; a body that does not decode is a refusal
// (the gateway already checked it is a JSON object).
func decode(up *mq.Uplink, v any) error {
	if err := json.Unmarshal(up.Payload, v); err != nil {
		return errcode.MalformedJSON.With(err.Error())
	}
	return nil
}
