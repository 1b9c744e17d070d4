package whaleim

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"sync"

	"github.com/gorilla/websocket"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
)

// maxDownlink bounds a downlink body: checked against the header before
// anything is allocated, so a length of 2 GiB is an error, not an OOM.
const maxDownlink = 16 << 20

// wire is one gateway connection: whole frames out, whole packets in.
type wire interface {
	write(frame []byte) error
	read() (packet.Server, error)
	close() error
}

type streamWire struct {
	nc net.Conn
	r  *packet.Reader
	mu sync.Mutex
}

func (s *streamWire) write(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.nc.Write(b)
	return err
}

func (s *streamWire) read() (packet.Server, error) { return s.r.ReadServer() }
func (s *streamWire) close() error                 { return s.nc.Close() }

type wsWire struct {
	ws *websocket.Conn
	mu sync.Mutex
}

func (w *wsWire) write(b []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ws.WriteMessage(websocket.BinaryMessage, b)
}

func (w *wsWire) read() (packet.Server, error) {
	for {
		kind, b, err := w.ws.ReadMessage()
		if err != nil {
			return packet.Server{}, err
		}
		if kind == websocket.BinaryMessage {
			p, err := packet.ParseServer(b, packet.Limits{MaxBody: maxDownlink})
			if err != nil {
				return p, &frameError{err}
			}
			return p, nil
		}
	}
}

func (w *wsWire) close() error { return w.ws.Close() }

// frameError marks a read error caused by the server's bytes, not by the
// connection: it is reported as a bad_frame error event.
type frameError struct{ err error }

func (e *frameError) Error() string { return "bad frame: " + e.err.Error() }
func (e *frameError) Unwrap() error { return e.err }

// dial connects to the gateway of a login answer.
func dial(ctx context.Context, t Transport, gw gateway) (wire, error) {
	if t == TCP {
		var d net.Dialer
		nc, err := d.DialContext(ctx, "tcp", gw.TCPAddress)
		if err != nil {
			return nil, fmt.Errorf("whaleim: dial %s: %w", gw.TCPAddress, err)
		}
		return &streamWire{nc: nc, r: packet.NewReader(nc, packet.Limits{MaxBody: maxDownlink})}, nil
	}
	ws, resp, err := websocket.DefaultDialer.DialContext(ctx, gw.WSAddress, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("whaleim: dial %s: %w", gw.WSAddress, err)
	}
	ws.SetReadLimit(maxDownlink + packet.ServerHeaderSize)
	return &wsWire{ws: ws}, nil
}

// encode builds one uplink frame with body as its JSON.
func encode(cfg Config, cmd command.Code, body any) ([]byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("whaleim: encode %v: %w", cmd, err)
	}
	p := packet.Client{Command: cmd, Version: 1, Device: cfg.Device, Format: packet.JSON,
		AppID: cfg.AppID, IMEI: cfg.IMEI, Body: b}
	return p.Append(nil), nil
}
