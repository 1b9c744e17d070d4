package gateway

import (
	"context"
	"errors"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
)

// serve is the connection's read loop; it owns the cleanup.
func (c *conn) serve(ctx context.Context) {
	defer c.cleanup(ctx)
	for {
		c.waitRoom(ctx)
		p, err := c.t.read()
		if err != nil {
			if e := frameCode(err); e != nil {
				c.g.guard.log.note("frame", c.ip, p.AppID, c.id.UserID, e)
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

// reply queues a downlink envelope answering p.
func (c *conn) reply(p packet.Client, cmd command.Code, messageID string, data any, closeAfter bool) {
	env := c.address(cmd, device.ID{AppID: p.AppID, Type: p.Device, IMEI: p.IMEI})
	env.MessageID = messageID
	c.post(env, data, closeAfter)
}

// refuse answers a frame the gateway will not process. Message sends get
// their up-ACK command with the messageId, so the SDK can match the failure
// to the message; everything else gets a 9005 error notice.
func (c *conn) refuse(p packet.Client, e *errcode.Error, closeAfter bool) {
	c.g.metrics.refused.WithLabelValues(codeLabel(e.Code)).Inc()
	if e.Code == errcode.SenderMismatch.Code {
		c.g.guard.log.note("forged sender", c.ip, p.AppID, c.id.UserID, e)
	}
	ackCmd, isSend := upAck(p.Command)
	if !isSend {
		c.reply(p, command.ErrorNotice, "", payload.ErrorNotice{Code: e.Code, Msg: e.Message, Command: p.Command}, closeAfter)
		return
	}
	r, _ := decodeRoute(p.Command, p.Body) // best effort: a malformed body has no id to echo
	ack := payload.MessageAck{Code: e.Code, Msg: e.Message, Data: &payload.AckData{MessageID: r.messageID}}
	c.reply(p, ackCmd, r.messageID, ack, closeAfter)
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

// ping answers with a pong and, once logged in, refreshes the session,
// at most every third of its TTL: a client pinging every second must not
// cost a Redis round trip per ping, and a session refreshed that often
// cannot expire while pings keep arriving within the heartbeat timeout
// (which is at most the TTL).
func (c *conn) ping(ctx context.Context, p packet.Client) {
	if c.authed() && !c.admit(ctx, p) {
		return
	}
	now := time.Now()
	if c.authed() && now.UnixNano()-c.touched.Load() >= int64(c.g.cfg.SessionTTL/3) && !c.refresh(ctx, now) {
		return
	}
	c.reply(p, command.Ping, "", payload.Pong{Time: now.UnixMilli()}, false)
}

// refresh writes the session's Seen time and TTL. It reports false, after
// closing c, when another connection took the session over. A failed write
// is retried at the next ping.
func (c *conn) refresh(ctx context.Context, now time.Time) bool {
	s := c.sess
	s.Seen = now.UnixMilli()
	ok, err := c.g.sessions.Touch(ctx, c.id, s, c.g.cfg.SessionTTL)
	switch {
	case err != nil:
		c.g.log.Warn("session refresh failed", "user", c.id.UserID, "err", err)
		return true
	case !ok:
		c.g.log.Info("session taken over by another connection; closing", "user", c.id.UserID, "device", c.id.Field())
		c.shutdown()
		return false
	}
	c.touched.Store(now.UnixNano())
	return true
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
