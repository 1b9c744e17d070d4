package message

import (
	"context"
	"slices"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
)

// upAck answers the sending device: e set for an accepted message, err for
// a refusal. A back-office send has no device to answer. Best effort: a
// lost up-ACK makes the client resend, which is deduplicated.
func (s *Service) upAck(o *outbox, in *Send, e *Entry, err error) {
	if in.Origin == nil {
		return
	}
	c := errcode.Of(err)
	ack := payload.MessageAck{Code: c.Code, Msg: c.Message, Data: &payload.AckData{MessageID: in.Msg.MessageID}}
	if e != nil {
		d := ackData(in, e)
		ack.Data = &d
	}
	o.direct(in.Origin, in.Broker, in.ackCommand(), in.Msg.MessageID, ack)
}

// deliver fans an accepted message out and updates conversations; every
// step is best effort (sync repairs a lost push).
func (s *Service) deliver(ctx context.Context, o *outbox, j *job) {
	in, e := &j.in, &j.e
	down := in.Msg
	down.FromID, down.MessageKey, down.MessageSequence, down.MessageTime = in.FromID, e.Key, e.Seq, e.Time
	ev := notify.Event{AppID: in.AppID, Command: command.MessageP2P, ExcludeDevice: in.Origin,
		ToID: in.Msg.ToID, MessageID: in.Msg.MessageID, Data: down}
	if in.Group {
		ev.Command, ev.ToID = command.GroupMessage, in.Msg.GroupID
		ev.To = append(s.members(ctx, j), in.FromID)
	} else {
		ev.To = []string{in.Msg.ToID, in.FromID}
	}
	o.notify(ev)
	s.offline(o, in, e, ev.To)
	if !in.Group {
		s.offlineNotice(o, in, e)
	}
	if s.d.Conversations != nil {
		if err := s.d.Conversations.OnMessage(ctx, record(in, e), ev.To); err != nil {
			s.log.WarnContext(ctx, "conversation update failed", "err", err)
		}
	}
	s.afterSend(o, in, e)
}

// members returns the fan-out list of a group send: from its check, or
// for a send taken over from a dead attempt, from the group now.
func (s *Service) members(ctx context.Context, j *job) []string {
	if j.members != nil {
		return slices.Clone(j.members)
	}
	g, err := s.member(ctx, j.in.AppID, j.in.Msg.GroupID, j.in.FromID)
	if err != nil {
		s.log.WarnContext(ctx, "group fan-out: members", "group", j.in.Msg.GroupID, "err", err)
	}
	return g.Members
}

// offlineNotice sends 1107 with serverSend to the sender when the 1:1
// receiver has no live device: the server holds the message for them. A
// back-office send has no device; the sender's devices get it then.
func (s *Service) offlineNotice(o *outbox, in *Send, e *Entry) {
	ack := payload.ReceiveAck{MessageID: in.Msg.MessageID, MessageKey: e.Key, MessageSequence: e.Seq,
		FromID: in.Msg.ToID, ToID: in.FromID, ServerSend: true}
	ev := notify.Event{AppID: in.AppID, Command: command.MessageReceiveAck, To: []string{in.FromID},
		ToID: in.FromID, MessageID: in.Msg.MessageID, Data: ack}
	entry := outEntry{ev: ev, unlessOnline: in.Msg.ToID}
	if in.Origin != nil {
		entry.ev.To, entry.device, entry.broker = nil, in.Origin, in.Broker
		entry.ev.ToID = in.Origin.UserID
	}
	o.entries = append(o.entries, entry)
}
