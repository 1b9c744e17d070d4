package message

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/ident"
	"github.com/whaleim/whaleim/im-common/mq"
)

// Deps are the ports of a Service. Friends and Groups may be nil until
// those features are wired: 1:1 sends then skip the friendship checks and
// group sends are refused with errcode.GroupNotFound.
type Deps struct {
	Apps          Apps
	Users         Users
	Friends       FriendChecker
	Groups        GroupChecker
	Dedup         Dedup
	Seqs          Sequencer
	Keys          *Keys
	Store         Store
	StorePub      Publisher // confirmed, persistent: im.store
	Pushes        Publisher // best effort: im.downlink, one PushBatch per gateway
	Presence      Presence
	Conversations Conversations // optional
	Recent        Recent        // optional: recall and read right after a send
	Callbacks     Callbacks     // optional: the app's send webhooks
	Offline       OfflinePusher // optional: offline push of messages to receivers with no online device
	Observer      Observer      // optional: stage latencies and batch sizes
	Log           *slog.Logger
}

// Timing of the dedup state machine.
const (
	// TakeOver: an entry still pending or assigned this long after its last
	// change belongs to an attempt that died; a redelivery continues it.
	TakeOver = 5 * time.Second
	// InFlightWait bounds how long a duplicate waits for the first attempt
	// before failing as retryable.
	InFlightWait = 1500 * time.Millisecond
	pollEvery    = 25 * time.Millisecond
)

// Service implements the message use cases.
type Service struct {
	d   Deps
	log *slog.Logger
	now func() time.Time
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	if d.Observer == nil {
		d.Observer = nopObserver{}
	}
	return &Service{d: d, log: d.Log.With("feature", "message"), now: time.Now}
}

// Send is one message to send: a client uplink (Origin set) or a
// back-office send (Origin nil).
type Send struct {
	AppID  uint32
	FromID string
	// Origin is the sending device and Broker its gateway; the up-ACK goes
	// there. Both empty for a back-office send.
	Origin *device.ID
	Broker string
	Group  bool // 2104 rather than 1103
	Msg    payload.Message
}

func (in *Send) conversation() string {
	if in.Group {
		return mq.GroupConversation(in.Msg.GroupID)
	}
	return mq.P2PConversation(in.FromID, in.Msg.ToID)
}

func (in *Send) ackCommand() command.Code {
	if in.Group {
		return command.GroupMessageAck
	}
	return command.MessageAck
}

// Send runs the send pipeline for one message (see the package doc): the
// batch pipeline with a batch of one. It returns the ack data on success
// (also for a duplicate), a non-retryable *errcode.Error for a refusal
// (already answered with an up-ACK), and any other error for a transient
// failure (not answered: the caller retries).
func (s *Service) Send(ctx context.Context, in Send) (payload.AckData, error) {
	var o outbox
	jobs, settle, err := s.sendAll(ctx, &o, []Send{in})
	s.flush(ctx, &o)
	if err != nil {
		return payload.AckData{}, err
	}
	settle()
	return jobs[0].result()
}

func validate(in *Send) error {
	m := &in.Msg
	switch {
	case m.MessageID == "" || len(m.MessageID) > 64:
		return errcode.MissingField.With("messageId: 1..64 bytes")
	case in.Group && ident.ValidID(m.GroupID) != nil:
		return ident.Check("groupId", m.GroupID)
	case !in.Group && ident.ValidID(m.ToID) != nil:
		return ident.Check("toId", m.ToID)
	case !in.Group && m.ToID == in.FromID:
		return errcode.MissingField.With("toId: cannot message oneself")
	case m.MessageBody == "":
		return errcode.MissingField.With("messageBody")
	case len(m.MessageBody) > 64<<10 || len(m.Extra) > 65535:
		return errcode.MessageTooLarge
	}
	return nil
}

func record(in *Send, e *Entry) mq.Message {
	m := mq.Message{AppID: in.AppID, Kind: mq.P2P, ConversationID: in.conversation(), FromID: in.FromID,
		ToID: in.Msg.ToID, MessageID: in.Msg.MessageID, MessageKey: e.Key, Seq: e.Seq,
		Body: in.Msg.MessageBody, Extra: in.Msg.Extra, Time: e.Time}
	if in.Group {
		m.Kind, m.ToID, m.GroupID = mq.Group, "", in.Msg.GroupID
	}
	return m
}

func ackData(in *Send, e *Entry) payload.AckData {
	return payload.AckData{MessageID: in.Msg.MessageID, MessageSequence: e.Seq, MessageKey: e.Key, MessageTime: e.Time}
}

// refusal reports whether err is a client-visible refusal rather than a
// transient failure.
func refusal(err error) bool {
	var e *errcode.Error
	return errors.As(err, &e) && !e.Retryable()
}

// timed runs one stage of the pipeline and reports its duration.
func (s *Service) timed(stage string, f func() error) error {
	start := time.Now()
	err := f()
	s.d.Observer.Stage(stage, time.Since(start))
	return err
}
