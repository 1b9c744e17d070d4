package imclient

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
)

// Login sends 9000 and waits for the 9001 login ACK; a refused login
// returns the ACK's code as an *errcode.Error.
func (c *Client) Login(ctx context.Context, userID, userSign string) error {
	ch := make(chan Ack, 1)
	c.mu.Lock()
	c.logins = append(c.logins, ch)
	c.mu.Unlock()
	if err := c.write(command.Login, payload.Login{UserID: userID, UserSign: userSign}); err != nil {
		return err
	}
	ack, err := wait(ctx, c, ch)
	if err != nil {
		return err
	}
	return ack.Err()
}

// Ping sends 9999 and waits for the pong.
func (c *Client) Ping(ctx context.Context) error {
	ch := make(chan struct{}, 1)
	c.mu.Lock()
	c.pongs = append(c.pongs, ch)
	c.mu.Unlock()
	if err := c.write(command.Ping, struct{}{}); err != nil {
		return err
	}
	_, err := wait(ctx, c, ch)
	return err
}

// Send sends m (1103 or 2104) and waits for the up-ACK with its
// messageId. It returns the ACK even when the server refused the message
// (Ack.Err tells). m.MessageID is filled in when empty; read it from the
// returned Ack to resend.
func (c *Client) Send(ctx context.Context, m Message) (Ack, error) {
	if m.MessageID == "" {
		m.MessageID = NewMessageID()
	}
	ch := make(chan Ack, 1)
	c.addWaiter(m.MessageID, ch)
	defer c.removeWaiter(m.MessageID, ch)
	if err := c.Post(m); err != nil {
		return Ack{}, err
	}
	return wait(ctx, c, ch)
}

// Post sends m without waiting for its up-ACK (it still arrives on Events).
// m.MessageID must be set.
func (c *Client) Post(m Message) error {
	cmd := command.MessageP2P
	if m.GroupID != "" {
		cmd = command.GroupMessage
	}
	return c.write(cmd, payload.Message{MessageID: m.MessageID, FromID: m.FromID, ToID: m.ToID,
		GroupID: m.GroupID, MessageBody: m.Body, Extra: m.Extra})
}

// ReceiveAck tells the server this device got a 1:1 message (1107); the
// server relays it to the sender's devices.
func (c *Client) ReceiveAck(r payload.ReceiveAck) error { return c.write(command.MessageReceiveAck, r) }

// Read marks a conversation read up to r.MessageSequence (1106, or 2106
// for a group).
func (c *Client) Read(r payload.Read) error {
	if r.GroupID != "" {
		r.ConversationType = payload.Group
		return c.write(command.GroupRead, r)
	}
	return c.write(command.MessageRead, r)
}

// Logout sends 9003; the server then closes the connection.
func (c *Client) Logout() error { return c.write(command.Logout, struct{}{}) }

func (c *Client) addWaiter(id string, ch chan Ack) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waiters[id] = append(c.waiters[id], ch)
}

func (c *Client) removeWaiter(id string, ch chan Ack) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := slices.DeleteFunc(c.waiters[id], func(x chan Ack) bool { return x == ch })
	if len(w) == 0 {
		delete(c.waiters, id)
		return
	}
	c.waiters[id] = w
}

// readLoop reads until the connection ends, resolving waiters and
// forwarding envelopes to Events.
func (c *Client) readLoop() {
	defer close(c.events)
	defer close(c.done)
	for {
		p, err := c.t.Read()
		if err != nil {
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			return
		}
		var env payload.Envelope
		if json.Unmarshal(p.Body, &env) != nil {
			continue // not an envelope: nothing a caller could act on
		}
		if env.Command == 0 {
			env.Command = p.Command
		}
		c.dispatch(env)
	}
}

func (c *Client) dispatch(env payload.Envelope) {
	switch env.Command {
	case command.Ping:
		c.pong()
		return
	case command.LoginAck:
		c.loginAck(decodeAck(env))
		return
	case command.MessageAck, command.GroupMessageAck:
		c.upAck(decodeAck(env))
	case command.MessageRecallAck:
		c.recallAck(decodeAck(env))
	}
	select {
	case c.events <- env:
	default:
		c.mu.Lock()
		c.dropped++
		c.mu.Unlock()
	}
}

// decodeAck reads {code, msg, data:{messageId, ...}}; a missing data
// falls back to the envelope's messageId.
func decodeAck(env payload.Envelope) Ack {
	var m payload.MessageAck
	_ = json.Unmarshal(env.Data, &m)
	a := Ack{Code: m.Code, Msg: m.Msg, MessageID: env.MessageID}
	if d := m.Data; d != nil {
		a.Seq, a.Key, a.Time = d.MessageSequence, d.MessageKey, d.MessageTime
		if d.MessageID != "" {
			a.MessageID = d.MessageID
		}
	}
	return a
}

func (c *Client) pong() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pongs) > 0 {
		c.pongs[0] <- struct{}{}
		c.pongs = c.pongs[1:]
	}
}

func (c *Client) loginAck(a Ack) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.logins) > 0 {
		c.logins[0] <- a
		c.logins = c.logins[1:]
	}
}

// upAck resolves every send waiting for a.MessageID.
func (c *Client) upAck(a Ack) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range c.waiters[a.MessageID] {
		select {
		case ch <- a:
		default:
		}
	}
}
