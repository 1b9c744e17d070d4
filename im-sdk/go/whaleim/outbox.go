package whaleim

import (
	"time"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/backoff"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/errcode"
)

// pending is an outbox entry with its timers.
type pending struct {
	OutboxEntry
	sentAt  time.Time // last write; zero while waiting for a retry or a connection
	retryAt time.Time // after a 1009: when to try again
	tries   int       // retryable refusals so far
}

// outbox holds unanswered sends in send order; guarded by Client.mu.
type outbox struct {
	order []*pending
	byID  map[string]*pending
}

func (o *outbox) add(e OutboxEntry) *pending {
	if o.byID == nil {
		o.byID = map[string]*pending{}
	}
	p := &pending{OutboxEntry: e}
	o.order = append(o.order, p)
	o.byID[e.MessageID] = p
	return p
}

func (o *outbox) remove(id string) {
	delete(o.byID, id)
	for i, p := range o.order {
		if p.MessageID == id {
			o.order = append(o.order[:i], o.order[i+1:]...)
			return
		}
	}
}

// Len is how many sends await an answer.
func (o *outbox) Len() int { return len(o.order) }

// conversation of an entry.
func (e OutboxEntry) conversation(me string) string {
	if e.Group != "" {
		return groupConv(e.Group)
	}
	return P2P(me, e.To)
}

// transmit writes p now; c.mu is held.
func (o *outbox) transmit(c *Client, p *pending, now time.Time) {
	p.sentAt, p.retryAt = now, time.Time{}
	cmd := command.MessageP2P
	if p.Group != "" {
		cmd = command.GroupMessage
	}
	c.write(cmd, payload.Message{MessageID: p.MessageID, ToID: p.To, GroupID: p.Group,
		MessageBody: p.Body, Extra: p.Extra})
}

// resendAll sends every entry again on a new connection, in send order,
// each with its original messageId.
func (o *outbox) resendAll(c *Client, _ *link) {
	now := time.Now()
	for _, p := range o.order {
		o.transmit(c, p, now)
	}
}

// due resends what timed out and what finished its retry pause.
func (o *outbox) due(c *Client, _ *link, now time.Time) {
	for _, p := range o.order {
		switch {
		case !p.retryAt.IsZero() && !now.Before(p.retryAt):
			o.transmit(c, p, now)
		case !p.sentAt.IsZero() && now.Sub(p.sentAt) >= c.cfg.AckTimeout:
			o.transmit(c, p, now)
		}
	}
}

// retryable codes mean "not now": the same message is sent again later.
func retryable(code errcode.Code) bool {
	switch code {
	case errcode.RateLimited.Code, errcode.Unavailable.Code, errcode.Timeout.Code, errcode.Internal.Code:
		return true
	}
	return false
}

// acked applies an up-ACK; c.mu is held.
func (o *outbox) acked(c *Client, envID string, a payload.MessageAck) {
	id := envID
	if a.Data != nil && a.Data.MessageID != "" {
		id = a.Data.MessageID
	}
	p, ok := o.byID[id]
	if !ok {
		return // answered already (a duplicate ACK of a resend)
	}
	if retryable(a.Code) {
		p.sentAt = time.Time{}
		p.retryAt = time.Now().Add(backoff.Delay(p.tries, c.cfg.SendRetryMin, c.cfg.BackoffMax))
		p.tries++
		return
	}
	o.remove(id)
	if err := c.cfg.Store.DeleteOutbox(c.ctx, id); err != nil {
		c.cfg.Logger.Error("whaleim: store: delete outbox entry", "err", err)
	}
	conv := p.conversation(c.cfg.UserID)
	if a.Code != errcode.Success.Code {
		c.emit(MessageStateChanged{MessageID: id, Conversation: conv, State: Failed, Code: a.Code})
		return
	}
	var seq, key int64
	if a.Data != nil {
		seq, key = a.Data.MessageSequence, a.Data.MessageKey
	}
	c.emit(MessageStateChanged{MessageID: id, Conversation: conv, State: Sent, Seq: seq, Key: key})
	c.own(conv, seq, p.OutboxEntry)
}
