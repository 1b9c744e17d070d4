package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/errcode"
)

// serve is the connection's read loop; it owns the cleanup.
func (c *conn) serve(ctx context.Context) {
	defer c.cleanup(ctx)
	for {
		p, err := c.t.read()
		if err != nil {
			if e := frameCode(err); e != nil {
				c.refuse(packet.Client{Command: p.Command, AppID: p.AppID}, e, true)
			}
			return
		}
		c.seen.Store(time.Now().UnixNano())
		c.g.metrics.framesIn.Inc()
		if !c.handle(ctx, p) {
			return
		}
	}
}

// handle processes one uplink packet and reports whether to keep reading.
// Unknown and refused commands never end the connection; bad logins and
// logout do.
func (c *conn) handle(ctx context.Context, p packet.Client) bool {
	switch {
	case !p.Command.Uplink():
		c.refuse(p, errcode.UnknownCommand, false)
	case p.Command == command.Ping:
		c.ping(ctx, p)
	case !p.Format.Supported():
		c.refuse(p, errcode.UnsupportedFormat.With(p.Format.String()), false)
	case p.Command == command.Login:
		return c.login(ctx, p)
	case !c.authed():
		c.refuse(p, errcode.Unauthenticated, false)
	case p.AppID != c.id.AppID:
		c.refuse(p, errcode.AppMismatch, false)
	case p.Command == command.Logout:
		c.logout(ctx)
		return false
	default:
		c.uplink(ctx, p)
	}
	return true
}

// reply queues a downlink envelope addressed to this connection's device
// (or, before login, to the device the packet's header names).
func (c *conn) reply(p packet.Client, cmd command.Code, messageID string, data any, closeAfter bool) {
	env := envelope{Command: cmd, AppID: p.AppID, ClientType: p.Device, IMEI: p.IMEI, MessageID: messageID, Data: data}
	if c.authed() {
		env.AppID, env.UserID, env.ToID, env.ClientType, env.IMEI = c.id.AppID, c.id.UserID, c.id.UserID, c.id.Type, c.id.IMEI
	}
	c.send(cmd, mustJSON(env), closeAfter)
}

// refuse answers a frame the gateway will not process. Message sends get
// their up-ACK command with the messageId, so the SDK can match the failure
// to the message; everything else gets a 9005 error notice.
func (c *conn) refuse(p packet.Client, e *errcode.Error, closeAfter bool) {
	c.g.metrics.refused.WithLabelValues(codeLabel(e.Code)).Inc()
	ackCmd, isSend := upAck(p.Command)
	if !isSend {
		c.reply(p, command.ErrorNotice, "", notice{Code: e.Code, Msg: e.Message, Command: p.Command}, closeAfter)
		return
	}
	var f uplinkFields
	_ = json.Unmarshal(p.Body, &f) // best effort: a malformed body has no id to echo
	c.reply(p, ackCmd, f.MessageID, result{Code: e.Code, Msg: e.Message, Data: messageRef{f.MessageID}}, closeAfter)
}

// upAck returns the up-ACK command of a message send.
func upAck(c command.Code) (command.Code, bool) {
	switch c {
	case command.MessageP2P:
		return command.MessageAck, true
	case command.GroupMessage:
		return command.GroupMessageAck, true
	}
	return 0, false
}

// ping answers with a pong and, once logged in, refreshes the session TTL.
func (c *conn) ping(ctx context.Context, p packet.Client) {
	now := time.Now()
	if c.authed() {
		s := c.sess
		s.Seen = now.UnixMilli()
		ok, err := c.g.sessions.Touch(ctx, c.id, s, c.g.cfg.SessionTTL)
		switch {
		case err != nil:
			c.g.log.Warn("session refresh failed", "user", c.id.UserID, "err", err)
		case !ok:
			c.g.log.Info("session taken over by another connection; closing", "user", c.id.UserID, "device", c.id.Field())
			c.shutdown()
			return
		}
	}
	c.reply(p, command.Ping, "", pong{Time: now.UnixMilli()}, false)
}

// logout deletes the session and closes after pending frames.
func (c *conn) logout(ctx context.Context) {
	c.removeSession(ctx)
	c.closeAfterFlush()
}

// cleanup runs once when the read loop ends: unregister and delete the
// session unless another connection of the device took it over.
func (c *conn) cleanup(ctx context.Context) {
	if !c.closePending() {
		c.shutdown()
	}
	c.g.hub.remove(c)
	c.g.metrics.conns.WithLabelValues(c.t.kind()).Dec()
	if c.authed() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
		defer cancel()
		c.removeSession(ctx)
	}
}

func (c *conn) removeSession(ctx context.Context) {
	if _, err := c.g.sessions.Remove(ctx, c.id, c.sess); err != nil {
		c.g.log.Warn("session removal failed; it expires with its TTL", "user", c.id.UserID, "err", err)
	}
}

// frameCode returns the error to tell a client whose frame could not be
// read, or nil when the connection just ended.
func frameCode(err error) *errcode.Error {
	if e := packet.Code(err); e != nil {
		return e
	}
	var e *errcode.Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// errorCode returns the code err carries.
func errorCode(err error) errcode.Code { return errcode.Of(err).Code }
