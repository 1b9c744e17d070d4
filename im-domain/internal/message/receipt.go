package message

import (
	"context"
	"errors"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
)

// ReceiveAck handles 1107 from a receiver's device: the receiver's delivery
// cursor moves forward (never back) and the ACK is relayed to every device
// of the original sender.
func (s *Service) ReceiveAck(ctx context.Context, from device.ID, a payload.ReceiveAck) error {
	if a.ToID == "" || a.ToID == from.UserID || a.MessageSequence <= 0 {
		return errcode.MissingField.With("toId and messageSequence")
	}
	conv := mq.P2PConversation(from.UserID, a.ToID)
	if err := s.d.Store.Forward(ctx, from.AppID, from.UserID, conv, CursorReceive, a.MessageSequence); err != nil {
		return err
	}
	a.FromID, a.ServerSend = from.UserID, false
	s.notify(ctx, notify.Event{AppID: from.AppID, Command: command.MessageReceiveAck, To: []string{a.ToID},
		ToID: a.ToID, MessageID: a.MessageID, Data: a})
	return nil
}

// Read handles 1106 and 2106: the reader's read cursor (and delivery
// cursor: what is read was received) moves forward only; the reader's other
// devices get 1053/2053 and the peer, or the group message's sender, gets
// the receipt 1054/2054.
func (s *Service) Read(ctx context.Context, from device.ID, r payload.Read, group bool) error {
	conv, notice, receipt, err := s.readTarget(ctx, from, &r, group)
	if err != nil {
		return err
	}
	for _, c := range []Cursor{CursorRead, CursorReceive} {
		if err := s.d.Store.Forward(ctx, from.AppID, from.UserID, conv, c, r.MessageSequence); err != nil {
			return err
		}
	}
	if err := s.markConversationRead(ctx, from, conv, r.MessageSequence); err != nil {
		return err
	}
	r.FromID = from.UserID
	s.notify(ctx, notify.Event{AppID: from.AppID, Command: notice, To: []string{from.UserID},
		ExcludeDevice: &from, ToID: from.UserID, Data: r})
	if r.ToID != "" && r.ToID != from.UserID {
		s.notify(ctx, notify.Event{AppID: from.AppID, Command: receipt, To: []string{r.ToID}, ToID: r.ToID, Data: r})
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

func (s *Service) readTarget(ctx context.Context, from device.ID, r *payload.Read, group bool) (string, command.Code, command.Code, error) {
	if r.MessageSequence <= 0 {
		return "", 0, 0, errcode.MissingField.With("messageSequence")
	}
	if !group {
		if r.ToID == "" || r.ToID == from.UserID {
			return "", 0, 0, errcode.MissingField.With("toId")
		}
		r.ConversationType = payload.P2P
		return mq.P2PConversation(from.UserID, r.ToID), command.MessageReadNotify, command.MessageReadReceipt, nil
	}
	if r.GroupID == "" {
		return "", 0, 0, errcode.MissingField.With("groupId")
	}
	if _, err := s.member(ctx, from.AppID, r.GroupID, from.UserID); err != nil {
		return "", 0, 0, err
	}
	r.ConversationType = payload.Group
	return mq.GroupConversation(r.GroupID), command.GroupReadNotify, command.GroupReadReceipt, nil
}

// ReadBy answers "read by N of M" for a group message: N members whose
// read cursor reached seq, M current members. The caller must be a member.
func (s *Service) ReadBy(ctx context.Context, appID uint32, userID, groupID string, seq int64) (n, m int, err error) {
	g, err := s.member(ctx, appID, groupID, userID)
	if err != nil {
		return 0, 0, err
	}
	n, err = s.d.Store.ReadCount(ctx, appID, mq.GroupConversation(groupID), seq, g.Members)
	return n, len(g.Members), err
}

func (s *Service) notify(ctx context.Context, ev notify.Event) {
	if err := s.d.Notifier.Notify(ctx, ev); err != nil {
		s.log.WarnContext(ctx, "notify failed", "command", ev.Command, "err", err)
	}
}
