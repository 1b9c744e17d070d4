package message

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	Pushes        Publisher // best effort: im.downlink
	Notifier      Notifier
	Presence      Presence
	Conversations Conversations // optional
	Recent        Recent        // optional: recall and read right after a send
	Callbacks     Callbacks     // optional: the app's send webhooks
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

// Send runs the send pipeline (see the package doc). It returns the ack
// data on success (also for a duplicate), a non-retryable *errcode.Error
// for a refusal (already answered with an up-ACK), and any other error for
// a transient failure (not answered: the caller retries).
func (s *Service) Send(ctx context.Context, in Send) (payload.AckData, error) {
	if err := validate(&in); err != nil {
		s.upAck(ctx, &in, nil, err)
		return payload.AckData{MessageID: in.Msg.MessageID}, err
	}
	e, err := s.claim(ctx, &in)
	if err != nil {
		return payload.AckData{}, err
	}
	if e.State == Done {
		s.upAck(ctx, &in, &e, nil)
		return ackData(&in, &e), nil
	}
	if e.State == Pending {
		if e, err = s.admit(ctx, &in); err != nil {
			return payload.AckData{MessageID: in.Msg.MessageID}, err
		}
	}
	if err := s.persist(ctx, &in, &e); err != nil {
		return payload.AckData{}, err
	}
	s.upAck(ctx, &in, &e, nil)
	s.deliver(ctx, &in, &e)
	s.afterSend(ctx, &in, &e)
	return ackData(&in, &e), nil
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

// admit runs the checks and assigns seq and key. A refusal releases the
// claim and is answered here.
func (s *Service) admit(ctx context.Context, in *Send) (Entry, error) {
	if m, ok, err := s.d.Store.Stored(ctx, in.AppID, in.FromID, in.Msg.MessageID); err != nil {
		return Entry{}, err
	} else if ok { // stored long ago: the Redis entry expired or was flushed
		e := Entry{State: Done, At: s.now().UnixMilli(), Seq: m.Seq, Key: m.MessageKey, Time: m.Time}
		return e, s.d.Dedup.Save(ctx, in.AppID, in.FromID, in.Msg.MessageID, e)
	}
	if err := s.check(ctx, in); err != nil {
		if refusal(err) {
			s.upAck(ctx, in, nil, err)
			s.release(ctx, in)
		}
		return Entry{}, err
	}
	if err := s.vetoSend(ctx, in); err != nil {
		// Nothing is assigned yet: the claim goes in every case, so a
		// resend after a failed (fail-closed) callback is judged again.
		if refusal(err) {
			s.upAck(ctx, in, nil, err)
		}
		s.release(ctx, in)
		return Entry{}, err
	}
	return s.assign(ctx, in)
}

func (s *Service) release(ctx context.Context, in *Send) {
	if err := s.d.Dedup.Release(ctx, in.AppID, in.FromID, in.Msg.MessageID); err != nil {
		s.log.WarnContext(ctx, "dedup release failed", "err", err)
	}
}

func (s *Service) assign(ctx context.Context, in *Send) (Entry, error) {
	conv := in.conversation()
	if !in.Group {
		if err := s.d.Store.Touch(ctx, in.AppID, conv, in.FromID, in.Msg.ToID); err != nil {
			return Entry{}, err
		}
	}
	seq, err := s.d.Seqs.Next(ctx, in.AppID, conv)
	if err != nil {
		return Entry{}, err
	}
	key, err := s.d.Keys.Next(ctx)
	if err != nil {
		return Entry{}, err
	}
	now := s.now().UnixMilli()
	e := Entry{State: Assigned, At: now, Seq: seq, Key: key, Time: now}
	return e, s.d.Dedup.Save(ctx, in.AppID, in.FromID, in.Msg.MessageID, e)
}

// persist remembers the message's identity (Recent), publishes the store
// record and waits for the confirm, then marks the entry done: from here on
// a resend gets this ack, and a recall or read of it finds the message even
// before the store wrote it.
func (s *Service) persist(ctx context.Context, in *Send, e *Entry) error {
	rec := mq.StoreRecord{Version: mq.Version, Op: mq.OpInsert, Message: record(in, e)}
	if s.d.Recent != nil {
		id := rec.Message
		id.Body, id.Extra = "", ""
		if err := s.d.Recent.Remember(ctx, id); err != nil {
			return fmt.Errorf("message: remember: %w", err)
		}
	}
	body, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("message: marshal store record: %w", err)
	}
	if err := s.d.StorePub.Publish(ctx, mq.ExchangeStore, mq.KeyStoreMessages, body); err != nil {
		return fmt.Errorf("message: store publish: %w", err)
	}
	e.State, e.At = Done, s.now().UnixMilli()
	return s.d.Dedup.Save(ctx, in.AppID, in.FromID, in.Msg.MessageID, *e)
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
