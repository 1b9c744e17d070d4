package message

import (
	"context"
	"strconv"

	"github.com/whaleim/whaleim/im-common/mq"
)

// OfflinePusher takes the messages whose receivers had no online device
// when the batch was pushed (the push package: the app's push webhook and
// the FCM/APNs providers). Optional; it must not block for long: it is
// called once per flush, alongside the push publishes.
type OfflinePusher interface {
	Offline(ctx context.Context, events []mq.OfflinePush)
}

// previewRunes bounds the message text carried to offline push.
const previewRunes = 100

// offlineCandidate is an accepted message and the receivers that get an
// offline push if the flush's presence lookup finds them without a device.
type offlineCandidate struct {
	ev        mq.OfflinePush // without ReceiverID and ID
	receivers []string
}

// offline records in's receivers (not the sender) as offline-push
// candidates; the flush decides with the presence it looks up anyway.
func (s *Service) offline(o *outbox, in *Send, e *Entry, to []string) {
	if s.d.Offline == nil {
		return
	}
	ev := mq.OfflinePush{AppID: in.AppID, SenderID: in.FromID, ConversationID: in.conversation(),
		MessageID: in.Msg.MessageID, MessageKey: e.Key, Sequence: e.Seq, Time: e.Time, Preview: preview(in.Msg.MessageBody)}
	if in.Group {
		ev.GroupID = in.Msg.GroupID
	}
	receivers := make([]string, 0, len(to))
	for _, u := range to {
		if u != in.FromID {
			receivers = append(receivers, u)
		}
	}
	o.offline = append(o.offline, offlineCandidate{ev: ev, receivers: receivers})
}

// offlineEvents are the candidates' receivers without a session in on.
func offlineEvents(cands []offlineCandidate, on online) []mq.OfflinePush {
	var out []mq.OfflinePush
	for _, c := range cands {
		for _, u := range c.receivers {
			if len(on[c.ev.AppID][u]) > 0 {
				continue
			}
			ev := c.ev
			ev.ReceiverID = u
			ev.ID = strconv.FormatInt(ev.MessageKey, 10) + ":" + u
			out = append(out, ev)
		}
	}
	return out
}

func preview(body string) string {
	n := 0
	for i := range body {
		if n == previewRunes {
			return body[:i] + "…"
		}
		n++
	}
	return body
}
