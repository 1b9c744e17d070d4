package message

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
)

// upAck answers the sending device: e set for an accepted message, err for
// a refusal. A back-office send has no device to answer. Best effort: a
// lost up-ACK makes the client resend, which is deduplicated.
func (s *Service) upAck(ctx context.Context, in *Send, e *Entry, err error) {
	if in.Origin == nil {
		return
	}
	c := errcode.Of(err)
	ack := payload.MessageAck{Code: c.Code, Msg: c.Message, Data: &payload.AckData{MessageID: in.Msg.MessageID}}
	if e != nil {
		d := ackData(in, e)
		ack.Data = &d
	}
	s.pushTo(ctx, in.Origin, in.Broker, in.ackCommand(), in.Msg.MessageID, ack)
}

// pushTo publishes one event to one device on its gateway.
func (s *Service) pushTo(ctx context.Context, to *device.ID, broker string, cmd command.Code, messageID string, data any) {
	raw, err := json.Marshal(data)
	if err == nil {
		push := mq.Push{Version: mq.Version, Command: cmd, AppID: to.AppID, To: []device.ID{*to},
			ToID: to.UserID, MessageID: messageID, Data: raw}
		var body []byte
		if body, err = json.Marshal(push); err == nil {
			err = s.d.Pushes.Publish(ctx, mq.ExchangeDownlink, broker, body)
		}
	}
	if err != nil {
		s.log.WarnContext(ctx, "push failed", "command", cmd, "user", to.UserID, "err", err)
	}
}

// deliver fans an accepted message out and updates conversations; every
// step is best effort (sync repairs a lost push).
func (s *Service) deliver(ctx context.Context, in *Send, e *Entry) {
	down := in.Msg
	down.FromID, down.MessageKey, down.MessageSequence, down.MessageTime = in.FromID, e.Key, e.Seq, e.Time
	ev := notify.Event{AppID: in.AppID, Command: command.MessageP2P, ExcludeDevice: in.Origin,
		ToID: in.Msg.ToID, MessageID: in.Msg.MessageID, Data: down}
	if in.Group {
		ev.Command, ev.ToID = command.GroupMessage, in.Msg.GroupID
		g, err := s.member(ctx, in.AppID, in.Msg.GroupID, in.FromID)
		if err != nil {
			s.log.WarnContext(ctx, "group fan-out: members", "group", in.Msg.GroupID, "err", err)
		}
		ev.To = append(slices.Clone(g.Members), in.FromID)
	} else {
		ev.To = []string{in.Msg.ToID, in.FromID}
		s.offlineNotice(ctx, in, e)
	}
	if err := s.d.Notifier.Notify(ctx, ev); err != nil {
		s.log.WarnContext(ctx, "fan-out failed", "err", err)
	}
	if s.d.Conversations != nil {
		if err := s.d.Conversations.OnMessage(ctx, record(in, e), ev.To); err != nil {
			s.log.WarnContext(ctx, "conversation update failed", "err", err)
		}
	}
}

// offlineNotice sends 1107 with serverSend to the sender when the 1:1
// receiver has no live device: the server holds the message for them.
func (s *Service) offlineNotice(ctx context.Context, in *Send, e *Entry) {
	online, err := s.d.Presence.Online(ctx, in.AppID, []string{in.Msg.ToID})
	if err != nil {
		s.log.WarnContext(ctx, "presence failed", "err", err)
		return
	}
	if len(online[in.Msg.ToID]) > 0 {
		return
	}
	ack := payload.ReceiveAck{MessageID: in.Msg.MessageID, MessageKey: e.Key, MessageSequence: e.Seq,
		FromID: in.Msg.ToID, ToID: in.FromID, ServerSend: true}
	if in.Origin != nil {
		s.pushTo(ctx, in.Origin, in.Broker, command.MessageReceiveAck, in.Msg.MessageID, ack)
		return
	}
	ev := notify.Event{AppID: in.AppID, Command: command.MessageReceiveAck, To: []string{in.FromID},
		ToID: in.FromID, MessageID: in.Msg.MessageID, Data: ack}
	if err := s.d.Notifier.Notify(ctx, ev); err != nil {
		s.log.WarnContext(ctx, "receive notice failed", "err", fmt.Errorf("1107: %w", err))
	}
}
