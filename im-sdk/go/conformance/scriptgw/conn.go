package scriptgw

import (
	"encoding/json"
	"net"
	"sync"

	"github.com/gorilla/websocket"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
)

// conn is one client connection, TCP or WebSocket: frames in on a
// channel (pings answered on the spot), raw bytes out.
type conn struct {
	frames chan packet.Client
	write  func([]byte) error
	closer func() error
	mu     sync.Mutex
	once   sync.Once
}

func newStreamConn(nc net.Conn) *conn {
	c := &conn{frames: make(chan packet.Client, 256), closer: nc.Close}
	c.write = func(b []byte) error { _, err := nc.Write(b); return err }
	r := packet.NewReader(nc, packet.Limits{})
	go c.pump(r.ReadClient)
	return c
}

func newWSConn(ws *websocket.Conn) *conn {
	c := &conn{frames: make(chan packet.Client, 256), closer: ws.Close}
	c.write = func(b []byte) error { return ws.WriteMessage(websocket.BinaryMessage, b) }
	go c.pump(func() (packet.Client, error) {
		for {
			kind, b, err := ws.ReadMessage()
			if err != nil {
				return packet.Client{}, err
			}
			if kind == websocket.BinaryMessage {
				return packet.ParseClient(b, packet.Limits{})
			}
		}
	})
	return c
}

// pump reads frames until the connection ends; a ping is answered here so
// scripts never have to account for heartbeats.
func (c *conn) pump(read func() (packet.Client, error)) {
	defer close(c.frames)
	for {
		p, err := read()
		if err != nil {
			return
		}
		if p.Command == command.Ping {
			_ = c.send(command.Ping, "", json.RawMessage(`{}`))
			continue
		}
		c.frames <- p
	}
}

func (c *conn) raw(b []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.write(b)
}

// send writes one downlink envelope.
func (c *conn) send(cmd command.Code, messageID string, data any) error {
	d, err := json.Marshal(data)
	if err != nil {
		return err
	}
	env := payload.Envelope{Command: cmd, AppID: AppID, MessageID: messageID, Data: d}
	body, err := json.Marshal(env)
	if err != nil {
		return err
	}
	return c.raw(packet.Server{Command: cmd, Body: body}.Append(nil))
}

func (c *conn) close() { c.once.Do(func() { _ = c.closer() }) }
