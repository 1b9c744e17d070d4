package message

import (
	"context"
	"encoding/json"
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
// time), once the sender has its up-ACK.
func (s *Service) afterSend(ctx context.Context, in *Send, e *Entry) {
	if s.d.Callbacks == nil {
		return
	}
	event := EventSendAfter
	if in.Group {
		event = EventGroupSendAfter
	}
	s.d.Callbacks.After(ctx, in.AppID, event, record(in, e))
}
