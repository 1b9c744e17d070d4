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
	return s.alone(ctx, func(o *outbox) error { return s.recall(ctx, o, from, broker, r) })
}

func (s *Service) recall(ctx context.Context, o *outbox, from device.ID, broker string, r payload.Recall) error {
	m, members, err := s.recallable(ctx, from, &r)
	if err == nil {
		m.Recalled = true
		err = s.publishOne(ctx, mq.OpRecall, m)
	}
	if err := answer(o, &from, broker, command.MessageRecallAck, payload.AckData{MessageID: r.MessageID, MessageKey: r.MessageKey}, err); err != nil {
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

// answer answers a recall or an edit on the requesting device with cmd
// (1051, 1056): success, or the refusal err with its code. A transient err
// is not answered (the uplink is retried). It returns err.
func answer(o *outbox, from *device.ID, broker string, cmd command.Code, d payload.AckData, err error) error {
	if err != nil && !refusal(err) {
		return err
	}
	c := errcode.Of(err)
	o.direct(from, broker, cmd, d.MessageID, payload.MessageAck{Code: c.Code, Msg: c.Message, Data: &d})
	return err
}

// recallable loads the message and checks the rules; it returns the users
// to notify.
func (s *Service) recallable(ctx context.Context, from device.ID, r *payload.Recall) (mq.Message, []string, error) {
	if r.MessageKey <= 0 || r.MessageID == "" {
		return mq.Message{}, nil, errcode.MissingField.With("messageKey and messageId")
	}
	m, err := s.target(ctx, from, r.MessageKey, r.GroupID)
	if err != nil {
		return m, nil, err
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

// target loads the message a recall or an edit names by its key, or
// errcode.MessageNotFound when there is none in the conversation the
// request names (groupID, optional) or the caller is not part of it (1:1).
func (s *Service) target(ctx context.Context, from device.ID, key int64, groupID string) (mq.Message, error) {
	m, ok, err := s.byKey(ctx, from.AppID, key)
	if err != nil {
		return m, err
	}
	in := m.FromID == from.UserID || m.ToID == from.UserID
	if m.Kind == mq.Group {
		in = groupID == "" || groupID == m.GroupID
	}
	if !ok || !in {
		return m, errcode.MessageNotFound.With(fmt.Sprint(key))
	}
	return m, nil
}
