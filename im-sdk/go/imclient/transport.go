package imclient

import (
	"context"
	"fmt"
	"net"

	"github.com/whaleim/whaleim/im-sdk/go/wire"
)

// DialTCP connects to a gateway's TCP listener (host:port).
func DialTCP(ctx context.Context, addr string, d Device, opts ...Option) (*Client, error) {
	c, err := wire.DialTCP(ctx, addr)
	if err != nil {
		return nil, fmt.Errorf("imclient: %w", err)
	}
	return newClient(c, d, opts...), nil
}

// DialWebSocket connects to a gateway's WebSocket endpoint
// (ws://host:port/ws).
func DialWebSocket(ctx context.Context, url string, d Device, opts ...Option) (*Client, error) {
	c, err := wire.DialWebSocket(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("imclient: %w", err)
	}
	return newClient(c, d, opts...), nil
}

// New runs a client over an already connected byte stream (TCP framing);
// tests use it with net.Pipe.
func New(nc net.Conn, d Device, opts ...Option) *Client {
	return newClient(wire.Stream(nc), d, opts...)
}
