package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
)

// uplink checks a routed command and publishes it to its conversation's
// shard. The publish is synchronous in the read loop on purpose: frames of
// one connection reach the exchange in the order they were sent.
func (c *conn) uplink(ctx context.Context, p packet.Client) {
	now := time.Now()
	if !c.g.limiter.allow(c.id.AppID, c.id.UserID, now) {
		c.refuse(p, errcode.RateLimited, false)
		return
	}
	conv, err := c.conversation(p)
	if err != nil {
		c.refuse(p, errcode.Of(err), false)
		return
	}
	up := mq.Uplink{Version: mq.Version, Command: p.Command, From: c.id, Broker: c.g.cfg.BrokerID,
		Time: now.UnixMilli(), Payload: p.Body}
	body, err := json.Marshal(up)
	if err != nil { // the body was validated by conversation; this cannot happen
		c.refuse(p, errcode.MalformedJSON, false)
		return
	}
	key := mq.UplinkKey(mq.Shard(c.id.AppID, conv, c.g.cfg.UplinkShards))
	if err := c.g.publish(ctx, mq.ExchangeUplink, key, body); err != nil {
		c.g.log.Warn("uplink publish failed", "command", p.Command, "user", c.id.UserID, "err", err)
		c.refuse(p, retryable(err), false)
	}
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
		return mq.GroupConversation(f.groupID), nil // a recall or receipt in a group
	case f.toID == "":
		return "", errcode.MissingField.With("toId")
	}
	return mq.P2PConversation(c.id.UserID, f.toID), nil
}

// publish sends one confirmed message and records its latency.
func (g *Gateway) publish(ctx context.Context, exchange, key string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, g.cfg.PublishTimeout)
	defer cancel()
	start := time.Now()
	err := g.pub.Publish(ctx, exchange, key, body)
	g.metrics.publish.Observe(time.Since(start).Seconds())
	return err
}

// retryable maps a publish failure to the code the client may retry on.
func retryable(err error) *errcode.Error {
	if errors.Is(err, context.DeadlineExceeded) {
		return errcode.Timeout
	}
	return errcode.Unavailable
}
