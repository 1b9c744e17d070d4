package whaleim

import (
	"context"
	"errors"
	"strings"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
)

// Typing tells the other users of conversation that this user is typing
// (stopped false) or stopped (1060). It is relayed to their online devices
// and never stored; the gateway drops a device's typing frames beyond two
// a second, so call it when typing starts and stops, not per key.
func (c *Client) Typing(conversation string, stopped bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.link == nil {
		return ErrNotConnected
	}
	t := payload.Typing{Stopped: stopped}
	if g, ok := strings.CutPrefix(conversation, "group:"); ok {
		t.GroupID, t.ConversationType = g, payload.Group
	} else {
		t.ToID = c.conversation(conversation).Peer
	}
	c.write(command.MessageTyping, t)
	return nil
}

// Edit replaces the body and extra of this user's message (by its
// messageKey) in conversation and waits for the server's answer (1056); a
// refusal is an *errcode.Error (another user's message, the app's edit
// window passed, a recalled message). The other devices of every user of
// the conversation get an Edited event, and history and sync return the
// edited body from then on.
func (c *Client) Edit(ctx context.Context, conversation string, key int64, body, extra string) error {
	if body == "" {
		return errors.New("whaleim: an edit needs a body")
	}
	err := c.request(ctx, func(id string) (command.Code, any) {
		e := payload.Edit{MessageKey: key, MessageID: id, MessageBody: body, Extra: extra}
		if g, ok := strings.CutPrefix(conversation, "group:"); ok {
			e.GroupID, e.ConversationType = g, payload.Group
		} else {
			e.ToID = c.conversation(conversation).Peer
		}
		return command.MessageEdit, e
	})
	if err == nil {
		c.mu.Lock()
		c.editLast(conversation, key, body, extra)
		c.mu.Unlock()
	}
	return err
}

// edited emits an edit and updates the last message if it is the one;
// c.mu is held.
func (c *Client) edited(e Edited) {
	c.emit(e)
	c.editLast(e.Conversation, e.Key, e.Body, e.Extra)
}

func (c *Client) editLast(conv string, key int64, body, extra string) {
	cv := c.conversation(conv)
	if cv.Last.Key == key && key != 0 && !cv.Last.Recalled {
		cv.Last.Body, cv.Last.Extra, cv.Last.Edited = body, extra, true
		c.changed(cv)
	}
}

// History returns up to limit messages of conversation before seq before
// (0: the newest), newest first, as the server has them now: edited
// bodies, recalled messages blank, without the ones this user deleted or
// cleared.
func (c *Client) History(ctx context.Context, conversation string, before int64, limit int) ([]Message, error) {
	var out []pulledMsg
	err := c.rest(ctx, "/v1/message/history", map[string]any{"appId": c.cfg.AppID,
		"conversationId": conversation, "beforeSequence": before, "maxLimit": limit}, &out)
	ms := make([]Message, len(out))
	for i, v := range out {
		ms[i] = v.message(conversation)
	}
	return ms, err
}

// DeleteForMe deletes the messages at seqs of conversation for this user
// only: history and sync leave them out on every device from now on, the
// other users keep them. Every online device of this user, this one too,
// gets a Deleted event.
func (c *Client) DeleteForMe(ctx context.Context, conversation string, seqs ...int64) error {
	var out struct{}
	return c.rest(ctx, "/v1/message/deleteForMe", map[string]any{"appId": c.cfg.AppID,
		"conversationId": conversation, "messageSequences": seqs}, &out)
}

// ClearHistory clears conversation's history for this user only, up to
// every message so far: history and sync start after it and nothing before
// it is unread, on every device (each gets a Cleared event). It returns
// the mark now in force.
func (c *Client) ClearHistory(ctx context.Context, conversation string) (int64, error) {
	var out struct {
		Seq int64 `json:"clearedSequence"`
	}
	err := c.rest(ctx, "/v1/message/clearHistory", map[string]any{"appId": c.cfg.AppID,
		"conversationId": conversation}, &out)
	return out.Seq, err
}

// cleared applies a clear to the list: nothing up to seq is unread, and a
// last message up to seq is gone; c.mu is held.
func (c *Client) cleared(conv string, seq int64) {
	c.emit(Cleared{Conversation: conv, Seq: seq})
	c.markRead(conv, seq)
	cv := c.conversation(conv)
	if cv.Last.Seq <= seq && cv.Last.Seq != 0 {
		cv.Last = Message{Conversation: conv, Seq: cv.Last.Seq, Time: cv.Last.Time}
		c.changed(cv)
	}
}

// OpenConversation creates this user's row of conversation on the server
// before its first message (a chat opened with a friend, a group joined),
// so the conversation list and its sync show it on every device; opening an
// existing one changes nothing.
func (c *Client) OpenConversation(ctx context.Context, conversation string) error {
	var out struct{}
	return c.rest(ctx, "/v1/conversation/openConversation", map[string]any{"appId": c.cfg.AppID,
		"conversationId": conversation}, &out)
}
