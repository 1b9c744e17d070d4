package whaleim

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/errcode"
)

// Outgoing is a message to send: exactly one of To and Group.
type Outgoing struct {
	To    string
	Group string
	Body  string
	Extra string
}

// Send puts m in the outbox (and the Store) and returns its messageId.
// The message is sent now if connected, else after the next login; its
// progress arrives as MessageStateChanged events with that id.
func (c *Client) Send(ctx context.Context, m Outgoing) (string, error) {
	if (m.To == "") == (m.Group == "") {
		return "", errors.New("whaleim: exactly one of To and Group")
	}
	e := OutboxEntry{MessageID: NewMessageID(), To: m.To, Group: m.Group, Body: m.Body, Extra: m.Extra}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return "", ErrClosed
	}
	if err := c.cfg.Store.PutOutbox(ctx, e); err != nil {
		return "", fmt.Errorf("whaleim: store: %w", err)
	}
	p := c.outbox.add(e)
	c.emit(MessageStateChanged{MessageID: e.MessageID, Conversation: e.conversation(c.cfg.UserID), State: Sending})
	if c.link != nil {
		c.outbox.transmit(c, p, time.Now())
	}
	return e.MessageID, nil
}

// Pending is how many sends await the server's answer.
func (c *Client) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.outbox.Len()
}

// Read marks conversation read up to seq (1106 or 2106) and updates the
// list at once. Without a connection it returns ErrNotConnected: a read
// mark is not worth an outbox.
func (c *Client) Read(conversation string, seq int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.link == nil {
		return ErrNotConnected
	}
	if g, ok := strings.CutPrefix(conversation, "group:"); ok {
		c.write(command.GroupRead, payload.Read{GroupID: g, MessageSequence: seq, ConversationType: payload.Group})
	} else {
		c.write(command.MessageRead, payload.Read{ToID: c.conversation(conversation).Peer, MessageSequence: seq})
	}
	c.markRead(conversation, seq)
	return nil
}

// ErrNotConnected is returned by calls that need a live connection.
var ErrNotConnected = errors.New("whaleim: not connected")

// Recall withdraws a message (by its messageKey) of conversation and
// waits for the server's answer; a refusal is an *errcode.Error.
func (c *Client) Recall(ctx context.Context, conversation string, key int64) error {
	return c.request(ctx, func(id string) (command.Code, any) {
		r := payload.Recall{MessageKey: key, MessageID: id}
		if g, ok := strings.CutPrefix(conversation, "group:"); ok {
			r.GroupID, r.ConversationType = g, payload.Group
		} else {
			r.ToID = c.conversation(conversation).Peer
		}
		return command.MessageRecall, r
	})
}

// request writes the command body makes for a fresh request id and waits
// for the answer (a MessageAck naming that id: 1051, 1056); a refusal is an
// *errcode.Error. body runs with c.mu held.
func (c *Client) request(ctx context.Context, body func(id string) (command.Code, any)) error {
	id := NewMessageID()
	ch := make(chan error, 1)
	c.mu.Lock()
	if c.link == nil {
		c.mu.Unlock()
		return ErrNotConnected
	}
	c.requests[id] = ch
	c.write(body(id))
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.requests, id)
		c.mu.Unlock()
	}()
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-c.ctx.Done():
		return ErrClosed
	}
}

// answered completes the request an answer names.
func (c *Client) answered(envID string, a payload.MessageAck) {
	id := envID
	if a.Data != nil && a.Data.MessageID != "" {
		id = a.Data.MessageID
	}
	ch, ok := c.requests[id]
	if !ok {
		return
	}
	var err error
	if a.Code != errcode.Success.Code {
		err = &errcode.Error{Code: a.Code, Message: a.Msg}
	}
	select {
	case ch <- err:
	default: // a duplicate answer
	}
}

// GroupReadCount answers "read by N of M" for the group message at seq.
func (c *Client) GroupReadCount(ctx context.Context, group string, seq int64) (read, members int, err error) {
	var out struct {
		Read    int `json:"readCount"`
		Members int `json:"memberCount"`
	}
	err = c.rest(ctx, "/v1/message/groupReadCount", map[string]any{"appId": c.cfg.AppID, "groupId": group,
		"messageSequence": seq}, &out)
	return out.Read, out.Members, err
}
