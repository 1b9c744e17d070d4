package message

import (
	"context"
	"slices"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
)

// Typing handles 1060: the indicator is relayed to the online devices of
// the peer (1:1) or of the group's other members, and never stored. A 1:1
// peer must share a conversation or a friendship with the sender and must
// not have blocked it; in a group the sender must be a member. The gateway
// limits how often one device may send it.
func (s *Service) Typing(ctx context.Context, from device.ID, t payload.Typing) error {
	return s.alone(ctx, func(o *outbox) error { return s.typing(ctx, o, from, t) })
}

func (s *Service) typing(ctx context.Context, o *outbox, from device.ID, t payload.Typing) error {
	to, err := s.typingTargets(ctx, from, &t)
	if err != nil {
		return err
	}
	t.FromID = from.UserID
	o.notify(notify.Event{AppID: from.AppID, Command: command.MessageTyping, To: to, Data: t})
	return nil
}

// typingTargets checks t and returns the users who see it.
func (s *Service) typingTargets(ctx context.Context, from device.ID, t *payload.Typing) ([]string, error) {
	if t.GroupID != "" {
		g, err := s.member(ctx, from.AppID, t.GroupID, from.UserID)
		if err != nil {
			return nil, err
		}
		t.ToID, t.ConversationType = "", payload.Group
		return slices.DeleteFunc(slices.Clone(g.Members), func(u string) bool { return u == from.UserID }), nil
	}
	if t.ToID == "" || t.ToID == from.UserID {
		return nil, errcode.MissingField.With("toId or groupId")
	}
	t.ConversationType = payload.P2P
	return []string{t.ToID}, s.mayTypeTo(ctx, from, t.ToID)
}

// mayTypeTo allows a 1:1 indicator between users who exchanged a message
// or are friends, unless either blocked the other.
func (s *Service) mayTypeTo(ctx context.Context, from device.ID, to string) error {
	var rel Relation
	if s.d.Friends != nil {
		r, err := s.d.Friends.Relation(ctx, from.AppID, from.UserID, to)
		if err != nil {
			return err
		}
		rel = r
	}
	switch {
	case rel.Blocked:
		return errcode.Blocked
	case rel.Friends:
		return nil
	}
	return s.inP2P(ctx, from, mq.P2PConversation(from.UserID, to))
}
