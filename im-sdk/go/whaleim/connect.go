package whaleim

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/backoff"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-sdk/go/wire"
)

// linkQueue is how many frames wait for the writer; a connection that
// cannot take them is dropped (the outbox resends after the reconnect).
const linkQueue = 8192

// link is the logged-in connection: a writer goroutine drains out, so no
// write ever blocks while c.mu is held.
type link struct {
	w        wire.Conn
	out      chan []byte
	done     chan struct{}
	lastRead time.Time
	lastPing time.Time
	kicked   bool
}

// run keeps a connection up until Close or a kick.
func (c *Client) run() {
	defer c.wg.Done()
	for attempt := 0; ; {
		l, err := c.connect()
		if c.ctx.Err() != nil {
			return
		}
		if err == nil {
			attempt = 0
			if c.serve(l) {
				c.mu.Lock()
				c.setState(Kicked)
				c.mu.Unlock()
				return
			}
			if c.ctx.Err() != nil {
				return
			}
		} else {
			c.cfg.Logger.Info("whaleim: connect failed", "err", err, "attempt", attempt)
		}
		c.mu.Lock()
		c.setState(Reconnecting)
		c.mu.Unlock()
		if backoff.Sleep(c.ctx, backoff.Delay(attempt, c.cfg.BackoffMin, c.cfg.BackoffMax)) != nil {
			return
		}
		attempt++
	}
}

// connect asks for a sign and a gateway, dials it and logs in.
func (c *Client) connect() (*link, error) {
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.DialTimeout)
	defer cancel()
	sign, err := c.cfg.Sign(ctx, c.cfg.UserID)
	if err != nil {
		return nil, fmt.Errorf("whaleim: sign provider: %w", err)
	}
	c.mu.Lock()
	c.sign = sign
	c.mu.Unlock()
	gw, err := c.login(ctx)
	if err != nil {
		return nil, err
	}
	w, err := dial(ctx, c.cfg.Transport, gw)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = w.Close() })
	err = c.handshake(w, sign)
	if !stop() || err != nil {
		_ = w.Close()
		return nil, errors.Join(err, ctx.Err())
	}
	return &link{w: w, out: make(chan []byte, linkQueue), done: make(chan struct{}), lastRead: time.Now()}, nil
}

// handshake sends 9000 and waits for the 9001 login ACK.
func (c *Client) handshake(w wire.Conn, sign string) error {
	b, err := encode(c.cfg, command.Login, payload.Login{UserID: c.cfg.UserID, UserSign: sign})
	if err != nil {
		return err
	}
	if err := w.Write(b); err != nil {
		return fmt.Errorf("whaleim: login: %w", err)
	}
	for {
		p, err := w.Read()
		if err != nil {
			return fmt.Errorf("whaleim: login: %w", err)
		}
		if p.Command != command.LoginAck {
			continue
		}
		var ack payload.LoginAck
		env, err := envelope(p)
		if err == nil {
			err = unmarshal(env.Data, &ack)
		}
		if err != nil {
			return fmt.Errorf("whaleim: login ACK: %w", err)
		}
		if ack.Code != errcode.Success.Code {
			c.mu.Lock()
			c.emit(ErrorEvent{Reason: ReasonLoginRefused, Code: ack.Code, Err: &errcode.Error{Code: ack.Code, Message: ack.Msg}})
			c.mu.Unlock()
			return fmt.Errorf("whaleim: login refused: %d %s", ack.Code, ack.Msg)
		}
		return nil
	}
}

// serve runs a logged-in connection until it ends; it reports a kick.
func (c *Client) serve(l *link) (kicked bool) {
	c.mu.Lock()
	c.link = l
	c.setState(Connected)
	c.outbox.resendAll(c, l)
	c.mu.Unlock()
	go c.writeLoop(l)
	c.wg.Add(2)
	go c.tick(l)
	go c.sync()
	err := c.readLoop(l)
	c.mu.Lock()
	c.detach(l)
	kicked = l.kicked
	c.mu.Unlock()
	c.cfg.Logger.Info("whaleim: connection ended", "err", err, "kicked", kicked)
	return kicked
}

func (c *Client) detach(l *link) {
	if c.link == l {
		c.link = nil
	}
	select {
	case <-l.done:
	default:
		close(l.done)
	}
	_ = l.w.Close()
}

func (c *Client) writeLoop(l *link) {
	for {
		select {
		case b := <-l.out:
			if l.w.Write(b) != nil {
				_ = l.w.Close()
				return
			}
		case <-l.done:
			return
		}
	}
}

// readLoop reads and dispatches until the connection fails, the server
// sends something the SDK cannot take, or a kick.
func (c *Client) readLoop(l *link) error {
	for {
		p, err := l.w.Read()
		if err != nil {
			if wire.BadFrame(err) {
				c.mu.Lock()
				c.emit(ErrorEvent{Reason: ReasonBadFrame, Err: err})
				c.mu.Unlock()
			}
			return err
		}
		c.mu.Lock()
		l.lastRead = time.Now()
		err = c.dispatch(l, p)
		c.mu.Unlock()
		if err != nil {
			return err
		}
	}
}

// tick drives heartbeats, silence detection and outbox timers.
func (c *Client) tick(l *link) {
	defer c.wg.Done()
	period := min(c.cfg.AckTimeout, c.cfg.SendRetryMin, c.cfg.Heartbeat) / 4
	t := time.NewTicker(min(max(period, 5*time.Millisecond), time.Second))
	defer t.Stop()
	for {
		select {
		case <-l.done:
			return
		case <-c.ctx.Done():
			return
		case now := <-t.C:
			c.mu.Lock()
			if now.Sub(l.lastRead) > c.cfg.Heartbeat*5/2 {
				c.cfg.Logger.Info("whaleim: gateway silent, reconnecting")
				_ = l.w.Close()
			} else if now.Sub(l.lastPing) >= c.cfg.Heartbeat {
				l.lastPing = now
				c.write(command.Ping, struct{}{})
			}
			c.outbox.due(c, l, now)
			c.mu.Unlock()
		}
	}
}

// write queues one uplink packet on the current connection; c.mu is held.
// Without a connection it does nothing: whatever matters is resent.
func (c *Client) write(cmd command.Code, body any) {
	l := c.link
	if l == nil {
		return
	}
	b, err := encode(c.cfg, cmd, body)
	if err != nil {
		c.cfg.Logger.Error("whaleim: encode", "command", cmd, "err", err)
		return
	}
	select {
	case l.out <- b:
	default:
		c.cfg.Logger.Warn("whaleim: gateway not reading, reconnecting")
		_ = l.w.Close()
	}
}
