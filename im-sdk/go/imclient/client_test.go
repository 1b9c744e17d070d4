package imclient

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
)

// fakeServer answers like a gateway: login ACK, pong, up-ACK with a seq
// per messageId (a resend gets the original seq), and records reads.
func fakeServer(t *testing.T, nc net.Conn, got chan<- packet.Client) {
	t.Helper()
	r := packet.NewReader(nc, packet.DefaultLimits())
	seqs := map[string]int64{}
	go func() {
		for {
			p, err := r.ReadClient()
			if err != nil {
				return
			}
			got <- p
			reply(t, nc, p, seqs)
		}
	}()
}

func reply(t *testing.T, nc net.Conn, p packet.Client, seqs map[string]int64) {
	var data any
	switch p.Command {
	case command.Login:
		var l payload.Login
		_ = json.Unmarshal(p.Body, &l)
		code := errcode.Success.Code
		if l.UserSign != "good" {
			code = errcode.SignInvalid.Code
		}
		send(t, nc, command.LoginAck, "", payload.LoginAck{Code: code})
		return
	case command.Ping:
		data = payload.Pong{Time: 1}
		send(t, nc, command.Ping, "", data)
		return
	case command.MessageP2P, command.GroupMessage:
		var m payload.Message
		_ = json.Unmarshal(p.Body, &m)
		if _, ok := seqs[m.MessageID]; !ok {
			seqs[m.MessageID] = int64(len(seqs) + 1)
		}
		ack := payload.MessageAck{Code: 200, Data: &payload.AckData{MessageID: m.MessageID, MessageSequence: seqs[m.MessageID], MessageKey: 7}}
		cmd := command.MessageAck
		if p.Command == command.GroupMessage {
			cmd = command.GroupMessageAck
		}
		send(t, nc, cmd, m.MessageID, ack)
	}
}

func send(t *testing.T, nc net.Conn, cmd command.Code, id string, data any) {
	b, _ := json.Marshal(data)
	frame, err := payload.AppendEnvelope(nil, payload.Envelope{Command: cmd, MessageID: id, Data: b})
	if err != nil {
		t.Errorf("envelope: %v", err)
		return
	}
	_, _ = nc.Write(frame)
}

func pipe(t *testing.T) (*Client, net.Conn, chan packet.Client) {
	cli, srv := net.Pipe()
	got := make(chan packet.Client, 64)
	fakeServer(t, srv, got)
	c := New(cli, Device{AppID: 42, Type: device.Android, IMEI: "phone"})
	t.Cleanup(func() { c.Close(); srv.Close() })
	return c, srv, got
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestLogin(t *testing.T) {
	tests := []struct {
		sign    string
		wantErr bool
	}{{"good", false}, {"bad", true}}
	for _, tc := range tests {
		t.Run(tc.sign, func(t *testing.T) {
			c, _, got := pipe(t)
			err := c.Login(ctx(t), "alice", tc.sign)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Login err = %v, wantErr %v", err, tc.wantErr)
			}
			p := <-got
			if p.Command != command.Login || p.AppID != 42 || p.IMEI != "phone" || p.Device != device.Android {
				t.Fatalf("login header = %+v", p)
			}
		})
	}
}

func TestPing(t *testing.T) {
	c, _, _ := pipe(t)
	if err := c.Ping(ctx(t)); err != nil {
		t.Fatal(err)
	}
}

func TestSendResendGetsSameAck(t *testing.T) {
	c, _, got := pipe(t)
	first, err := c.Send(ctx(t), Message{ToID: "bob", Body: "hi"})
	if err != nil || first.Err() != nil || first.MessageID == "" {
		t.Fatalf("first send: %+v %v", first, err)
	}
	again, err := c.Send(ctx(t), Message{MessageID: first.MessageID, ToID: "bob", Body: "hi"})
	if err != nil || again != first {
		t.Fatalf("resend ack %+v, want %+v (err %v)", again, first, err)
	}
	for range 2 {
		if p := <-got; p.Command != command.MessageP2P {
			t.Fatalf("command %v, want 1103", p.Command)
		}
	}
	g, err := c.Send(ctx(t), Message{GroupID: "g1", Body: "x"})
	if err != nil || g.Seq != 2 {
		t.Fatalf("group send: %+v %v", g, err)
	}
	if p := <-got; p.Command != command.GroupMessage {
		t.Fatalf("command %v, want 2104", p.Command)
	}
}

func TestEventsAndClose(t *testing.T) {
	c, srv, got := pipe(t)
	send(t, srv, command.MessageP2P, "m1", payload.Message{MessageID: "m1", FromID: "bob", MessageSequence: 3})
	env := <-c.Events()
	if env.Command != command.MessageP2P || env.MessageID != "m1" {
		t.Fatalf("event %+v", env)
	}
	if err := c.Read(payload.Read{ToID: "bob", MessageSequence: 3}); err != nil {
		t.Fatal(err)
	}
	if p := <-got; p.Command != command.MessageRead {
		t.Fatalf("command %v, want 1106", p.Command)
	}
	if err := c.ReceiveAck(payload.ReceiveAck{MessageID: "m1", ToID: "bob"}); err != nil {
		t.Fatal(err)
	}
	if p := <-got; p.Command != command.MessageReceiveAck {
		t.Fatalf("command %v, want 1107", p.Command)
	}
	srv.Close()
	<-c.Done()
	if _, err := c.Send(ctx(t), Message{ToID: "x"}); err == nil {
		t.Fatal("send after close succeeded")
	}
}

func TestNewMessageIDIsUUID(t *testing.T) {
	a, b := NewMessageID(), NewMessageID()
	if len(a) != 36 || a == b || a[14] != '4' {
		t.Fatalf("ids %q %q", a, b)
	}
}

func TestEventBufferOption(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		want int
	}{
		{"default", nil, EventBuffer},
		{"small", []Option{WithEventBuffer(16)}, 16},
		{"zero keeps the default", []Option{WithEventBuffer(0)}, EventBuffer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cli, srv := net.Pipe()
			c := New(cli, Device{AppID: 1}, tc.opts...)
			t.Cleanup(func() { c.Close(); srv.Close() })
			if got := cap(c.Events()); got != tc.want {
				t.Fatalf("Events capacity %d, want %d", got, tc.want)
			}
		})
	}
}

// A refused login is answered and the connection closed at once: the
// caller gets the refusal, never ErrClosed (the close raced the answer).
func TestLogin_RefusalThenCloseIsTheRefusal(t *testing.T) {
	for range 200 {
		cli, srv := net.Pipe()
		go func() {
			r := packet.NewReader(srv, packet.DefaultLimits())
			if _, err := r.ReadClient(); err == nil {
				send(t, srv, command.LoginAck, "", payload.LoginAck{Code: errcode.SignInvalid.Code})
			}
			srv.Close()
		}()
		c := New(cli, Device{AppID: 42, Type: device.Android, IMEI: "phone"})
		err := c.Login(ctx(t), "alice", "bad")
		c.Close()
		if !errors.Is(err, errcode.SignInvalid) {
			t.Fatalf("Login = %v, want the refusal %v", err, errcode.SignInvalid)
		}
	}
}
