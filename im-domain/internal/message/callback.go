package message

import (
	"context"
	"encoding/json"

	"golang.org/x/sync/errgroup"
)

// Callbacks calls the app back-end (webhook.Client): Before may veto a send
// (errcode.CallbackVeto) and blocks; After never blocks.
type Callbacks interface {
	Before(ctx context.Context, appID uint32, event string, payload any) (json.RawMessage, error)
	After(ctx context.Context, appID uint32, event string, payload any)
}

// Callback events of a send (webhook.MessageSend*, GroupMessageSend*).
const (
	EventSendBefore      = "message.send.before"
	EventSendAfter       = "message.send.after"
	EventGroupSendBefore = "group.message.send.before"
	EventGroupSendAfter  = "group.message.send.after"
)

// sendEvent is the payload of a before-callback: the message as sent,
// before any seq or key exists.
type sendEvent struct {
	AppID       uint32 `json:"appId"`
	FromID      string `json:"fromId"`
	ToID        string `json:"toId,omitempty"`
	GroupID     string `json:"groupId,omitempty"`
	MessageID   string `json:"messageId"`
	MessageBody string `json:"messageBody"`
	Extra       string `json:"extra,omitempty"`
}

// vetoSend runs the app's before-callback, after the checks and before
// the seq is assigned: a veto is answered like any other refusal.
func (s *Service) vetoSend(ctx context.Context, in *Send) error {
	if s.d.Callbacks == nil {
		return nil
	}
	event := EventSendBefore
	if in.Group {
		event = EventGroupSendBefore
	}
	m := &in.Msg
	_, err := s.d.Callbacks.Before(ctx, in.AppID, event, sendEvent{AppID: in.AppID, FromID: in.FromID,
		ToID: m.ToID, GroupID: m.GroupID, MessageID: m.MessageID, MessageBody: m.MessageBody, Extra: m.Extra})
	return err
}

// afterSend queues the after-callback with the stored record (seq, key,
// time) for the flush: After waits for a durable publish, so the batch's
// callbacks are published together there rather than one after another.
func (s *Service) afterSend(o *outbox, in *Send, e *Entry) {
	if s.d.Callbacks == nil {
		return
	}
	event := EventSendAfter
	if in.Group {
		event = EventGroupSendAfter
	}
	rec := record(in, e)
	o.after = append(o.after, func(ctx context.Context) { s.d.Callbacks.After(ctx, in.AppID, event, rec) })
}

// afterLimit bounds the after-callback publishes of one flush in flight.
const afterLimit = 16

// runAfter publishes the flush's after-callbacks, afterLimit at a time.
func runAfter(ctx context.Context, after []func(context.Context)) {
	var g errgroup.Group
	g.SetLimit(afterLimit)
	for _, f := range after {
		g.Go(func() error { f(ctx); return nil })
	}
	_ = g.Wait() // the functions return nothing: After logs and counts its failures
}
