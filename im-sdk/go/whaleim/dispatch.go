package whaleim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
)

// errReconnect ends a connection on the server's request (9004) or after
// a kick; it is not a fault.
var errReconnect = errors.New("whaleim: connection ended by the server")

// envelope decodes a downlink packet's JSON envelope.
func envelope(p packet.Server) (payload.Envelope, error) {
	var env payload.Envelope
	if err := unmarshal(p.Body, &env); err != nil {
		return env, &frameError{fmt.Errorf("envelope of %v: %w", p.Command, err)}
	}
	if env.Command == 0 {
		env.Command = p.Command
	}
	return env, nil
}

// unmarshal decodes a JSON object; anything else is an error.
func unmarshal(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return errors.New("empty JSON")
	}
	return json.Unmarshal(b, v)
}

// dispatch handles one downlink packet; c.mu is held. An error ends the
// connection (after an error event when the server's input was bad).
func (c *Client) dispatch(l *link, p packet.Server) error {
	env, err := envelope(p)
	if err != nil {
		c.emit(ErrorEvent{Reason: ReasonBadFrame, Err: err})
		return err
	}
	switch env.Command {
	case command.Ping, command.LoginAck:
		return nil
	case command.MutualLogin:
		l.kicked = true
		return errReconnect
	case command.Reconnect:
		return errReconnect
	case command.ErrorNotice:
		c.cfg.Logger.Warn("whaleim: the gateway refused a frame", "data", string(env.Data))
		return nil
	}
	err = c.dispatchData(env)
	var fe *frameError
	if errors.As(err, &fe) {
		c.emit(ErrorEvent{Reason: ReasonBadFrame, Err: err})
	}
	return err
}

// dispatchData handles the commands that carry data.
func (c *Client) dispatchData(env payload.Envelope) error {
	switch env.Command {
	case command.MessageP2P, command.GroupMessage:
		var m payload.Message
		if err := unmarshal(env.Data, &m); err != nil {
			return &frameError{err}
		}
		c.accept(c.incoming(m), true)
	case command.MessageAck, command.GroupMessageAck:
		var a payload.MessageAck
		if err := unmarshal(env.Data, &a); err != nil {
			return &frameError{err}
		}
		c.outbox.acked(c, env.MessageID, a)
	case command.MessageRecallAck, command.MessageEditAck:
		var a payload.MessageAck
		if err := unmarshal(env.Data, &a); err != nil {
			return &frameError{err}
		}
		c.answered(env.MessageID, a)
	default:
		return c.dispatchNotice(env)
	}
	return nil
}

// dispatchNotice turns receipts and events into typed events.
func (c *Client) dispatchNotice(env payload.Envelope) error {
	switch env.Command {
	case command.MessageReceiveAck:
		var r payload.ReceiveAck
		if err := unmarshal(env.Data, &r); err != nil {
			return &frameError{err}
		}
		c.emit(Delivered{Conversation: P2P(c.cfg.UserID, r.FromID), MessageID: r.MessageID, Seq: r.MessageSequence})
	case command.MessageReadReceipt, command.GroupReadReceipt, command.MessageReadNotify, command.GroupReadNotify:
		var r payload.Read
		if err := unmarshal(env.Data, &r); err != nil {
			return &frameError{err}
		}
		c.readNotice(env.Command, r)
	case command.MessageRecallNote:
		var r payload.Recall
		if err := unmarshal(env.Data, &r); err != nil {
			return &frameError{err}
		}
		conv := groupConv(r.GroupID)
		if r.GroupID == "" {
			conv = P2P(r.FromID, r.ToID)
		}
		c.recalled(conv, r.MessageKey)
	default:
		return c.dispatchChat(env)
	}
	return nil
}

// dispatchChat handles typing, edits, deletes and clears.
func (c *Client) dispatchChat(env payload.Envelope) error {
	switch env.Command {
	case command.MessageTyping:
		var t payload.Typing
		if err := unmarshal(env.Data, &t); err != nil {
			return &frameError{err}
		}
		conv := groupConv(t.GroupID)
		if t.GroupID == "" {
			conv = P2P(t.FromID, t.ToID)
		}
		c.emit(Typing{Conversation: conv, From: t.FromID, Stopped: t.Stopped})
	case command.MessageEditNote:
		var e payload.Edit
		if err := unmarshal(env.Data, &e); err != nil {
			return &frameError{err}
		}
		conv := groupConv(e.GroupID)
		if e.GroupID == "" {
			conv = P2P(e.FromID, e.ToID)
		}
		c.edited(Edited{Conversation: conv, Key: e.MessageKey, Seq: e.MessageSequence, From: e.FromID,
			Body: e.MessageBody, Extra: e.Extra, EditedAt: e.EditedAt})
	case command.MessageDeleteNote:
		var d payload.Deleted
		if err := unmarshal(env.Data, &d); err != nil {
			return &frameError{err}
		}
		c.emit(Deleted{Conversation: d.ConversationID, Seqs: d.Sequences})
	case command.ConversationClear:
		var cl payload.Cleared
		if err := unmarshal(env.Data, &cl); err != nil {
			return &frameError{err}
		}
		c.cleared(cl.ConversationID, cl.ClearedSequence)
	default:
		if !env.Command.Known() {
			c.emit(ErrorEvent{Reason: ReasonUnknownCommand, Command: env.Command,
				Err: fmt.Errorf("whaleim: unknown command %d", env.Command)})
			return fmt.Errorf("whaleim: unknown command %d: %w", env.Command, errReconnect)
		}
		if a := env.Command.Area(); a >= command.AreaGroup && a <= command.AreaConversation {
			c.emit(Notification{Command: env.Command, Data: env.Data})
		}
	}
	return nil
}

func (c *Client) readNotice(cmd command.Code, r payload.Read) {
	conv := groupConv(r.GroupID)
	if r.GroupID == "" {
		peer := r.FromID
		if cmd == command.MessageReadNotify {
			peer = r.ToID
		}
		conv = P2P(c.cfg.UserID, peer)
	}
	if cmd == command.MessageReadNotify || cmd == command.GroupReadNotify {
		c.emit(ReadSynced{Conversation: conv, Seq: r.MessageSequence})
		c.markRead(conv, r.MessageSequence)
		return
	}
	c.emit(ReadReceipt{Conversation: conv, Reader: r.FromID, Seq: r.MessageSequence})
	c.peerRead(conv, r.MessageSequence)
}

// incoming converts a pushed message.
func (c *Client) incoming(m payload.Message) Message {
	conv := groupConv(m.GroupID)
	if m.GroupID == "" {
		conv = P2P(m.FromID, m.ToID)
	}
	return Message{Conversation: conv, Seq: m.MessageSequence, ID: m.MessageID, Key: m.MessageKey,
		From: m.FromID, To: m.ToID, Group: m.GroupID, Body: m.MessageBody, Extra: m.Extra, Time: m.MessageTime}
}

// P2P is the server's conversation id of the 1:1 conversation of users a
// and b ("p2p:" + the smaller id + ":" + the other, byte order).
func P2P(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return "p2p:" + a + ":" + b
}

// GroupConversation is the conversation id of group g.
func GroupConversation(g string) string { return groupConv(g) }

func groupConv(g string) string {
	if g == "" {
		return ""
	}
	return "group:" + g
}

// frameError marks a downlink packet whose content the SDK cannot take
// (not a JSON envelope, data of the wrong shape): a bad_frame error event.
type frameError struct{ err error }

func (e *frameError) Error() string { return "bad frame: " + e.err.Error() }
func (e *frameError) Unwrap() error { return e.err }
