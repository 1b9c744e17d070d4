package gateway

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
)

// uplink checks a routed command and queues it for its conversation's
// shard: message sends, recalls, edits and typing in one coalescer (in
// conversation order: a typing stop must not overtake its start),
// receive-ACKs and reads in another that lingers longer (IM_UPLINK_CONTROL_LINGER). The domain
// applies those as forward-only cursors, so their order relative to sends
// does not matter, and a longer linger puts more of them in one broker
// message. The read loop never waits for the broker: the coalescer publishes
// the shard's uplinks in batches, in the order they were queued, and
// answers every uplink of a batch that failed with a retryable refusal.
func (c *conn) uplink(ctx context.Context, p packet.Client) {
	if p.Command == command.MessageTyping && !c.typing.allow(time.Now()) {
		c.g.metrics.typingDropped.Inc() // ephemeral: dropped without an answer
		return
	}
	if !c.admit(ctx, p) {
		return
	}
	conv, err := c.conversation(p)
	if err != nil {
		c.refuse(p, errcode.Of(err), false)
		return
	}
	p.Body = bytes.Clone(p.Body) // the transport reuses its read buffer for the next frame
	up := mq.Uplink{Version: mq.Version, Command: p.Command, From: c.id, Broker: c.g.cfg.BrokerID,
		Time: time.Now().UnixMilli(), Payload: p.Body}
	fail := func(err error) { c.refuse(p, retryable(err), false) } // the coalescer logs the batch
	to := c.g.uplinks
	if controlCommand(p.Command) && p.Command != command.MessageTyping {
		to = c.g.controls
	}
	if err := to.add(ctx, mq.Shard(c.id.AppID, conv, c.g.cfg.UplinkShards), up, fail); err != nil {
		c.g.log.Warn("uplink not queued", "command", p.Command, "user", c.id.UserID, "err", err)
		fail(err)
	}
}

// admit takes a token of the budget p's command spends (sends, or the
// control budget of receive-ACKs, reads and pings). Over budget, the read
// loop waits for the token instead of refusing: it stops reading the
// socket meanwhile, so TCP flow control slows a pipelining client down and
// every frame still gets its answer. Only a wait longer than maxBudgetWait
// (many devices of one user sharing the budget) is refused with 1009.
func (c *conn) admit(ctx context.Context, p packet.Client) bool {
	l, reason := c.g.limiter, "send_budget"
	if controlCommand(p.Command) {
		l, reason = c.g.control, "control_budget"
	}
	wait, ok := l.reserve(c.id.AppID, c.id.UserID, time.Now(), c.maxBudgetWait())
	switch {
	case !ok:
		c.refuse(p, errcode.RateLimited, false)
		return false
	case wait <= 0:
		return true
	}
	c.g.metrics.waits.WithLabelValues(reason).Inc()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		c.seen.Store(time.Now().UnixNano()) // waiting is not silence
		return true
	case <-ctx.Done():
		c.refuse(p, errcode.Unavailable, false)
		return false
	}
}

// maxBudgetWait bounds one wait for a token well inside the heartbeat
// timeout, so the sweeper never takes a throttled client for a dead one.
func (c *conn) maxBudgetWait() time.Duration {
	return min(5*time.Second, c.g.cfg.HeartbeatTimeout/2)
}

// controlCommand reports whether cmd spends the control budget rather than
// the send budget: acknowledging and reading what one received, or typing,
// must never be throttled by what one sent.
func controlCommand(cmd command.Code) bool {
	switch cmd {
	case command.MessageReceiveAck, command.MessageRead, command.GroupRead, command.Ping, command.MessageTyping:
		return true
	}
	return false
}

// conversation validates the body (a JSON object whose fromId, if any, is
// the logged-in user) and returns the conversation it belongs to.
func (c *conn) conversation(p packet.Client) (string, error) {
	if len(p.Body) == 0 || p.Body[0] != '{' {
		return "", errcode.MalformedJSON.With("body must be a JSON object")
	}
	f, err := decodeRoute(p.Command, p.Body)
	if err != nil {
		return "", errcode.MalformedJSON
	}
	if f.fromID != "" && f.fromID != c.id.UserID {
		return "", errcode.SenderMismatch
	}
	switch {
	case p.Command == command.GroupMessage || p.Command == command.GroupRead:
		if f.groupID == "" {
			return "", errcode.MissingField.With("groupId")
		}
		return mq.GroupConversation(f.groupID), nil
	case f.groupID != "" && p.Command != command.MessageP2P:
		return mq.GroupConversation(f.groupID), nil // a recall, edit, typing or receipt in a group
	case f.toID == "":
		return "", errcode.MissingField.With("toId")
	}
	return mq.P2PConversation(c.id.UserID, f.toID), nil
}

// Typing limits: a device relays at most typingPerWindow typing frames
// per typingPeriod (a start and a stop); the rest are dropped. A typing
// indicator is a hint that clients repeat every few seconds, so a dropped
// one costs nothing, while an unlimited one would fan out to every member
// of a group at the rate a client can write.
const (
	typingPerWindow = 2
	typingPeriod    = time.Second
)

// typingWindow counts one device's typing frames in the current period.
type typingWindow struct {
	start int64 // unix nanos the period began
	n     int
}

// allow counts a typing frame at now and reports whether it may go.
func (w *typingWindow) allow(now time.Time) bool {
	if t := now.UnixNano(); t-w.start >= int64(typingPeriod) {
		w.start, w.n = t, 0
	}
	w.n++
	return w.n <= typingPerWindow
}

// retryable maps a publish failure to the code the client may retry on.
func retryable(err error) *errcode.Error {
	if errors.Is(err, context.DeadlineExceeded) {
		return errcode.Timeout
	}
	return errcode.Unavailable
}

// publish sends one confirmed message outside the uplink batches (a kick
// for another gateway).
func (g *Gateway) publish(ctx context.Context, exchange, key string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, g.cfg.PublishTimeout)
	defer cancel()
	return g.pub.Publish(ctx, exchange, key, body)
}
