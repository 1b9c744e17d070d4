// Package wire moves whole frames between a client and a gateway: one
// uplink frame out, one downlink packet in, over a TCP byte stream (where
// packets may be split or coalesced) or WebSocket (one packet per binary
// message). Both client packages (imclient, whaleim) dial through it.
package wire

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/gorilla/websocket"

	"github.com/whaleim/whaleim/im-codec/packet"
)

// MaxBody bounds a downlink body. It is checked against the header before
// anything is allocated, so a length of 2 GiB is an error, not an OOM.
const MaxBody = 16 << 20

// Conn is one gateway connection. Write is safe for concurrent use; Read
// is for one reader.
type Conn interface {
	Write(frame []byte) error
	Read() (packet.Server, error)
	Close() error
}

// BadFrame reports whether a Read error comes from the server's bytes (a
// malformed or oversized frame) rather than from the connection ending.
func BadFrame(err error) bool {
	var fe *packet.FrameError
	return errors.As(err, new(*badFrameError)) || (errors.As(err, &fe) && !errors.Is(err, io.ErrUnexpectedEOF))
}

// badFrameError marks a WebSocket message that is not one whole packet.
type badFrameError struct{ err error }

func (e *badFrameError) Error() string { return "bad frame: " + e.err.Error() }
func (e *badFrameError) Unwrap() error { return e.err }

type stream struct {
	nc net.Conn
	r  *packet.Reader
	mu sync.Mutex
}

// Stream frames a connected byte stream (TCP, net.Pipe).
func Stream(nc net.Conn) Conn {
	return &stream{nc: nc, r: packet.NewReader(nc, packet.Limits{MaxBody: MaxBody})}
}

func (s *stream) Write(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.nc.Write(b)
	return err
}

func (s *stream) Read() (packet.Server, error) { return s.r.ReadServer() }
func (s *stream) Close() error                 { return s.nc.Close() }

type ws struct {
	c  *websocket.Conn
	mu sync.Mutex
}

func (w *ws) Write(b []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.c.WriteMessage(websocket.BinaryMessage, b)
}

func (w *ws) Read() (packet.Server, error) {
	for {
		kind, b, err := w.c.ReadMessage()
		if err != nil {
			return packet.Server{}, err
		}
		if kind == websocket.BinaryMessage {
			p, err := packet.ParseServer(b, packet.Limits{MaxBody: MaxBody})
			if err != nil {
				return p, &badFrameError{err}
			}
			return p, nil
		}
	}
}

func (w *ws) Close() error { return w.c.Close() }

// Dialer connects to gateways; its zero value dials plain TCP and uses the
// system roots for wss:// URLs.
type Dialer struct {
	// TLS makes TCP speak TLS and verifies wss:// gateways with it (e.g. a
	// RootCAs pool for a private CA). Nil: plain TCP.
	TLS *tls.Config
}

// DialTCP connects to a gateway's TCP listener (host:port) without TLS.
func DialTCP(ctx context.Context, addr string) (Conn, error) { return Dialer{}.TCP(ctx, addr) }

// DialWebSocket connects to a gateway's WebSocket endpoint (ws:// or
// wss://host:port/ws) with the system roots.
func DialWebSocket(ctx context.Context, url string) (Conn, error) {
	return Dialer{}.WebSocket(ctx, url)
}

// TCP connects to a gateway's TCP listener (host:port).
func (d Dialer) TCP(ctx context.Context, addr string) (Conn, error) {
	var nd net.Dialer
	nc, err := nd.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial tcp %s: %w", addr, err)
	}
	if d.TLS != nil {
		tc := tls.Client(nc, d.TLS)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, fmt.Errorf("tls handshake %s: %w", addr, err)
		}
		nc = tc
	}
	return Stream(nc), nil
}

// WebSocket connects to a gateway's WebSocket endpoint (ws:// or
// wss://host:port/ws).
func (d Dialer) WebSocket(ctx context.Context, url string) (Conn, error) {
	wd := *websocket.DefaultDialer
	wd.TLSClientConfig = d.TLS
	c, resp, err := wd.DialContext(ctx, url, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("dial websocket %s: %w", url, err)
	}
	c.SetReadLimit(MaxBody + packet.ServerHeaderSize)
	return &ws{c: c}, nil
}
