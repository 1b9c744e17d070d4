package message

import (
	"context"
	"fmt"
	"time"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
)

// Edit handles 1055: within the app's edit window, the sender replaces the
// body (and extra) of a message that is not recalled. The edit is published
// to the store (confirmed), which keeps the latest body and its version
// (the edit time) in the message's row, so history, pull and offline sync
// return the edited body; the caller gets 1056 and the online devices of
// the conversation's users get 1057. A refusal is answered with 1056
// carrying the code and returned.
func (s *Service) Edit(ctx context.Context, from device.ID, broker string, e payload.Edit) error {
	return s.alone(ctx, func(o *outbox) error { return s.edit(ctx, o, from, broker, e) })
}

func (s *Service) edit(ctx context.Context, o *outbox, from device.ID, broker string, e payload.Edit) error {
	m, members, err := s.editable(ctx, from, &e)
	if err == nil {
		m.Body, m.Extra, m.Edited = e.MessageBody, e.Extra, max(s.now().UnixMilli(), m.Edited+1)
		err = s.publishOne(ctx, mq.OpEdit, m)
	}
	d := payload.AckData{MessageID: e.MessageID, MessageKey: e.MessageKey, MessageSequence: m.Seq}
	if err := answer(o, &from, broker, command.MessageEditAck, d, err); err != nil {
		return err
	}
	e.FromID, e.ToID, e.GroupID, e.MessageSequence, e.EditedAt = from.UserID, m.ToID, m.GroupID, m.Seq, m.Edited
	e.ConversationType = payload.P2P
	if m.Kind == mq.Group {
		e.ConversationType = payload.Group
	}
	o.notify(notify.Event{AppID: from.AppID, Command: command.MessageEditNote, To: members,
		ExcludeDevice: &from, MessageID: e.MessageID, Data: e})
	return nil
}

// editable loads the message and checks the rules; it returns the users
// to notify.
func (s *Service) editable(ctx context.Context, from device.ID, e *payload.Edit) (mq.Message, []string, error) {
	switch {
	case e.MessageKey <= 0 || e.MessageID == "":
		return mq.Message{}, nil, errcode.MissingField.With("messageKey and messageId")
	case e.MessageBody == "":
		return mq.Message{}, nil, errcode.MissingField.With("messageBody")
	case len(e.MessageBody) > 64<<10 || len(e.Extra) > 65535:
		return mq.Message{}, nil, errcode.MessageTooLarge
	}
	m, err := s.target(ctx, from, e.MessageKey, e.GroupID)
	if err != nil {
		return m, nil, err
	}
	a, err := s.d.Apps.App(ctx, from.AppID)
	switch {
	case err != nil:
		return m, nil, err
	case m.FromID != from.UserID:
		return m, nil, errcode.EditNotAllowed
	case m.Recalled:
		return m, nil, errcode.MessageRecalled
	case s.now().Sub(time.UnixMilli(m.Time)) > a.Settings.EditWindow:
		return m, nil, errcode.EditWindowExpired
	}
	if m.Kind == mq.P2P {
		return m, []string{m.FromID, m.ToID}, nil
	}
	g, err := s.member(ctx, from.AppID, m.GroupID, from.UserID)
	if err != nil {
		return m, nil, err
	}
	return m, append(g.Members, from.UserID), nil
}

// publishOne publishes one store record of m and waits for its confirm.
func (s *Service) publishOne(ctx context.Context, op mq.StoreOp, m mq.Message) error {
	body := mq.AppendStoreRecords(nil, []mq.StoreRecord{{Version: mq.Version, Op: op, Message: m}})
	if err := s.d.StorePub.Publish(ctx, mq.ExchangeStore, mq.KeyStoreMessages, body); err != nil {
		return fmt.Errorf("message: %s publish: %w", op, err)
	}
	return nil
}
