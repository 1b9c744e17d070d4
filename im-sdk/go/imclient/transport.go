package imclient

import (
	"context"
	"fmt"
	"net"

	"github.com/whaleim/whaleim/im-sdk/go/wire"
)

// DialTCP connects to a gateway's TCP listener (host:port).
// With WithTLS it speaks TLS to a gateway that has IM_TLS_CERT set.
func DialTCP(ctx context.Context, addr string, d Device, opts ...Option) (*Client, error) {
	o := collect(opts)
	c, err := wire.Dialer{TLS: o.tls}.TCP(ctx, addr)
	if err != nil {
		return nil, fmt.Errorf("imclient: %w", err)
	}
	return newClient(c, d, o), nil
}

// DialWebSocket connects to a gateway's WebSocket endpoint
// (ws://host:port/ws).
func DialWebSocket(ctx context.Context, url string, d Device, opts ...Option) (*Client, error) {
	o := collect(opts)
	c, err := wire.Dialer{TLS: o.tls}.WebSocket(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("imclient: %w", err)
	}
	return newClient(c, d, o), nil
}

// New runs a client over an already connected byte stream (TCP framing);
// tests use it with net.Pipe.
func New(nc net.Conn, d Device, opts ...Option) *Client {
	return newClient(wire.Stream(nc), d, collect(opts))
}
