package imclient

import (
	"context"
	"fmt"
	"net"
	"sync"

	"github.com/gorilla/websocket"

	"github.com/whaleim/whaleim/im-codec/packet"
)

// transport moves whole frames: one uplink frame out, one downlink packet in.
type transport interface {
	write(frame []byte) error
	read() (packet.Server, error)
	close() error
}

// streamTransport frames a byte stream (TCP, net.Pipe): headers may be
// split across reads, which packet.Reader handles.
type streamTransport struct {
	nc net.Conn
	r  *packet.Reader
	mu sync.Mutex
}

func newStream(nc net.Conn) *streamTransport {
	return &streamTransport{nc: nc, r: packet.NewReader(nc, packet.Limits{MaxBody: 16 << 20})}
}

func (s *streamTransport) write(frame []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.nc.Write(frame)
	return err
}

func (s *streamTransport) read() (packet.Server, error) { return s.r.ReadServer() }
func (s *streamTransport) close() error                 { return s.nc.Close() }

// wsTransport carries one packet per binary WebSocket message.
type wsTransport struct {
	ws *websocket.Conn
	mu sync.Mutex
}

func (w *wsTransport) write(frame []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ws.WriteMessage(websocket.BinaryMessage, frame)
}

func (w *wsTransport) read() (packet.Server, error) {
	for {
		kind, b, err := w.ws.ReadMessage()
		if err != nil {
			return packet.Server{}, err
		}
		if kind == websocket.BinaryMessage {
			return packet.ParseServer(b, packet.Limits{MaxBody: 16 << 20})
		}
	}
}

func (w *wsTransport) close() error { return w.ws.Close() }

// DialTCP connects to a gateway's TCP listener (host:port).
func DialTCP(ctx context.Context, addr string, d Device, opts ...Option) (*Client, error) {
	var dl net.Dialer
	nc, err := dl.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("imclient: dial tcp %s: %w", addr, err)
	}
	return newClient(newStream(nc), d, opts...), nil
}

// DialWebSocket connects to a gateway's WebSocket endpoint
// (ws://host:port/ws).
func DialWebSocket(ctx context.Context, url string, d Device, opts ...Option) (*Client, error) {
	ws, resp, err := websocket.DefaultDialer.DialContext(ctx, url, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("imclient: dial websocket %s: %w", url, err)
	}
	return newClient(&wsTransport{ws: ws}, d, opts...), nil
}

// New runs a client over an already connected byte stream (TCP framing);
// tests use it with net.Pipe.
func New(nc net.Conn, d Device, opts ...Option) *Client {
	return newClient(newStream(nc), d, opts...)
}
