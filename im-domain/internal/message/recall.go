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

// Recall handles 1050: within the app's recall window, the sender (or a
// manager or the owner of the group) withdraws a message. The recall is
// published to the store (confirmed), the caller gets 1051 and the
// conversation's members get 1052. Recalling twice succeeds twice. A
// refusal is answered with 1051 carrying the code and returned.
func (s *Service) Recall(ctx context.Context, from device.ID, broker string, r payload.Recall) error {
	var o outbox
	defer s.flush(ctx, &o)
	return s.recall(ctx, &o, from, broker, r)
}

func (s *Service) recall(ctx context.Context, o *outbox, from device.ID, broker string, r payload.Recall) error {
	m, members, err := s.recallable(ctx, from, &r)
	if err == nil {
		err = s.publishRecall(ctx, m)
	}
	if err != nil && !refusal(err) {
		return err // transient: retried, not answered
	}
	c := errcode.Of(err)
	ack := payload.MessageAck{Code: c.Code, Msg: c.Message,
		Data: &payload.AckData{MessageID: r.MessageID, MessageKey: r.MessageKey}}
	o.direct(&from, broker, command.MessageRecallAck, r.MessageID, ack)
	if err != nil {
		return err
	}
	r.FromID, r.ToID = from.UserID, m.ToID
	if m.Kind == mq.P2P && m.ToID == from.UserID {
		r.ToID = m.FromID
	}
	o.notify(notify.Event{AppID: from.AppID, Command: command.MessageRecallNote, To: members,
		ExcludeDevice: &from, MessageID: r.MessageID, Data: r})
	return nil
}

// recallable loads the message and checks the rules; it returns the users
// to notify.
func (s *Service) recallable(ctx context.Context, from device.ID, r *payload.Recall) (mq.Message, []string, error) {
	if r.MessageKey <= 0 || r.MessageID == "" {
		return mq.Message{}, nil, errcode.MissingField.With("messageKey and messageId")
	}
	m, ok, err := s.byKey(ctx, from.AppID, r.MessageKey)
	if err != nil {
		return m, nil, err
	}
	if !ok || !s.inConversation(from.UserID, r, m) {
		return m, nil, errcode.MessageNotFound.With(fmt.Sprint(r.MessageKey))
	}
	a, err := s.d.Apps.App(ctx, from.AppID)
	if err != nil {
		return m, nil, err
	}
	if s.now().Sub(time.UnixMilli(m.Time)) > a.Settings.RecallWindow {
		return m, nil, errcode.RecallWindowExpired
	}
	if m.Kind == mq.P2P {
		if m.FromID != from.UserID {
			return m, nil, errcode.RecallNotAllowed
		}
		return m, []string{m.FromID, m.ToID}, nil
	}
	g, err := s.member(ctx, from.AppID, m.GroupID, from.UserID)
	if err != nil {
		return m, nil, err
	}
	if m.FromID != from.UserID && g.Member.Role == RoleMember {
		return m, nil, errcode.RecallNotAllowed
	}
	return m, append(g.Members, from.UserID), nil
}

// inConversation checks that the message belongs to the conversation the
// request names and that the caller is part of it (1:1).
func (s *Service) inConversation(user string, r *payload.Recall, m mq.Message) bool {
	if m.Kind == mq.Group {
		return r.GroupID == "" || r.GroupID == m.GroupID
	}
	return m.FromID == user || m.ToID == user
}

func (s *Service) publishRecall(ctx context.Context, m mq.Message) error {
	m.Recalled = true
	body := mq.AppendStoreRecords(nil, []mq.StoreRecord{{Version: mq.Version, Op: mq.OpRecall, Message: m}})
	if err := s.d.StorePub.Publish(ctx, mq.ExchangeStore, mq.KeyStoreMessages, body); err != nil {
		return fmt.Errorf("message: recall publish: %w", err)
	}
	return nil
}
