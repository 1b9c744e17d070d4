package message

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
)

// ReceiveAck handles 1107 from a receiver's device: the receiver's delivery
// cursor moves forward (never back) and the ACK is relayed to every device
// of the original sender. Only a user of an existing 1:1 conversation may
// acknowledge in it, so a client cannot push 1107 to any user.
func (s *Service) ReceiveAck(ctx context.Context, from device.ID, a payload.ReceiveAck) error {
	return s.alone(ctx, func(o *outbox) error { return s.receiveAck(ctx, o, from, a) })
}

func (s *Service) receiveAck(ctx context.Context, o *outbox, from device.ID, a payload.ReceiveAck) error {
	if a.ToID == "" || a.ToID == from.UserID || a.MessageSequence <= 0 {
		return errcode.MissingField.With("toId and messageSequence")
	}
	conv := mq.P2PConversation(from.UserID, a.ToID)
	if err := s.inP2P(ctx, from, conv); err != nil {
		return err
	}
	if err := s.d.Store.Forward(ctx, from.AppID, from.UserID, conv, CursorReceive, a.MessageSequence); err != nil {
		return err
	}
	a.FromID, a.ServerSend = from.UserID, false
	o.notify(notify.Event{AppID: from.AppID, Command: command.MessageReceiveAck, To: []string{a.ToID},
		ToID: a.ToID, MessageID: a.MessageID, Data: a})
	return nil
}

// readTarget is what a read changes and whom it tells.
type readTarget struct {
	conv             string
	notice, receipt  command.Code
	receiver         string // gets the receipt; "" or the reader: nobody
	conversationType payload.ConversationType
}

// Read handles 1106 and 2106: the reader's read position (the conversation
// row's, the one read position; see Conversations.MarkRead) and delivery
// cursor (what is read was received) move forward only; the reader's other
// devices get 1053/2053 and the receipt 1054/2054 goes to a receiver the
// server determines: the peer of the 1:1 conversation, or the sender of the
// group message at messageSequence (the client's toId is ignored).
func (s *Service) Read(ctx context.Context, from device.ID, r payload.Read, group bool) error {
	return s.alone(ctx, func(o *outbox) error { return s.read(ctx, o, from, r, group) })
}

func (s *Service) read(ctx context.Context, o *outbox, from device.ID, r payload.Read, group bool) error {
	t, err := s.readTarget(ctx, from, &r, group)
	if err != nil {
		return err
	}
	if err := s.d.Store.Forward(ctx, from.AppID, from.UserID, t.conv, CursorReceive, r.MessageSequence); err != nil {
		return err
	}
	if err := s.markConversationRead(ctx, from, t.conv, r.MessageSequence); err != nil {
		return err
	}
	r.FromID, r.ToID, r.ConversationType = from.UserID, t.receiver, t.conversationType
	o.notify(notify.Event{AppID: from.AppID, Command: t.notice, To: []string{from.UserID},
		ExcludeDevice: &from, ToID: from.UserID, Data: r})
	if t.receiver != "" && t.receiver != from.UserID {
		o.notify(notify.Event{AppID: from.AppID, Command: t.receipt, To: []string{t.receiver}, ToID: t.receiver, Data: r})
	}
	return nil
}

// markConversationRead moves the reader's conversation-list row. A missing
// row (its best-effort update was lost) has nothing to move; any other
// failure is transient and the read is retried.
func (s *Service) markConversationRead(ctx context.Context, from device.ID, conv string, seq int64) error {
	if s.d.Conversations == nil {
		return nil
	}
	err := s.d.Conversations.MarkRead(ctx, from.AppID, from.UserID, conv, seq)
	if errors.Is(err, errcode.ConversationNotFound) {
		return nil
	}
	return err
}

func (s *Service) readTarget(ctx context.Context, from device.ID, r *payload.Read, group bool) (readTarget, error) {
	if r.MessageSequence <= 0 {
		return readTarget{}, errcode.MissingField.With("messageSequence")
	}
	if !group {
		if r.ToID == "" || r.ToID == from.UserID {
			return readTarget{}, errcode.MissingField.With("toId")
		}
		conv := mq.P2PConversation(from.UserID, r.ToID)
		return readTarget{conv: conv, notice: command.MessageReadNotify, receipt: command.MessageReadReceipt,
			receiver: r.ToID, conversationType: payload.P2P}, s.inP2P(ctx, from, conv)
	}
	if r.GroupID == "" {
		return readTarget{}, errcode.MissingField.With("groupId")
	}
	if _, err := s.member(ctx, from.AppID, r.GroupID, from.UserID); err != nil {
		return readTarget{}, err
	}
	conv := mq.GroupConversation(r.GroupID)
	m, err := s.messageAt(ctx, from.AppID, conv, r.MessageSequence)
	return readTarget{conv: conv, notice: command.GroupReadNotify, receipt: command.GroupReadReceipt,
		receiver: m.FromID, conversationType: payload.Group}, err
}

// inP2P refuses a 1:1 conversation the user is not part of: no message
// was ever sent in it (Touch records both users before the first seq).
func (s *Service) inP2P(ctx context.Context, from device.ID, conv string) error {
	ok, err := s.d.Store.Touched(ctx, from.AppID, from.UserID, conv)
	if err == nil && !ok {
		err = errcode.ConversationNotFound.With(conv)
	}
	return err
}

// messageAt returns the message of conversation at seq, or
// errcode.MessageNotFound.
func (s *Service) messageAt(ctx context.Context, appID uint32, conv string, seq int64) (mq.Message, error) {
	m, ok, err := s.bySeq(ctx, appID, conv, seq)
	if err == nil && !ok {
		err = errcode.MessageNotFound.With(fmt.Sprintf("%s seq %d", conv, seq))
	}
	return m, err
}

// ReadBy answers "read by N of M" for the group message at seq: M is the
// number of current members other than the message's sender, N how many of
// them have a read position >= seq. The caller must be a member.
func (s *Service) ReadBy(ctx context.Context, appID uint32, userID, groupID string, seq int64) (n, m int, err error) {
	g, err := s.member(ctx, appID, groupID, userID)
	if err != nil {
		return 0, 0, err
	}
	conv := mq.GroupConversation(groupID)
	msg, err := s.messageAt(ctx, appID, conv, seq)
	if err != nil {
		return 0, 0, err
	}
	others := slices.DeleteFunc(slices.Clone(g.Members), func(u string) bool { return u == msg.FromID })
	if s.d.Conversations == nil || len(others) == 0 {
		return 0, len(others), nil
	}
	n, err = s.d.Conversations.ReadCount(ctx, appID, conv, seq, others)
	return n, len(others), err
}
