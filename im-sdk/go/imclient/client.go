package imclient

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-sdk/go/wire"
)

// EventBuffer is how many downlink envelopes wait in Events (unless
// WithEventBuffer says otherwise) before the client starts dropping them (counted by Dropped): a slow reader must
// not stall the read loop that also resolves up-ACKs.
const EventBuffer = 8192

// ErrClosed is returned by calls on a closed client or after the
// connection ended.
var ErrClosed = errors.New("imclient: connection closed")

// Device identifies this connection in every uplink header.
type Device struct {
	AppID uint32
	Type  device.Type
	IMEI  string
}

// Message is an outgoing chat message. Exactly one of ToID and GroupID is
// set. An empty MessageID is filled with a new UUID; a resend must reuse
// the MessageID of the first attempt.
type Message struct {
	MessageID string
	FromID    string // optional: the server refuses one that is not the logged-in user
	ToID      string
	GroupID   string
	Body      string
	Extra     string
}

// Ack is a server up-ACK (1046 or 2047) or login ACK. Code 200 means the
// message is durable and has sequence Seq in its conversation.
type Ack struct {
	Code      errcode.Code
	Msg       string
	MessageID string
	Seq       int64
	Key       int64
	Time      int64
}

// Err returns nil for a success ACK, else the refusal as an *errcode.Error.
func (a Ack) Err() error {
	if a.Code == errcode.Success.Code {
		return nil
	}
	return &errcode.Error{Code: a.Code, Message: a.Msg}
}

// Client is one device connection. Its methods are safe for concurrent use.
type Client struct {
	t      wire.Conn
	dev    Device
	events chan payload.Envelope
	done   chan struct{}

	mu      sync.Mutex
	waiters map[string][]chan Ack // messageId -> sends awaiting the up-ACK
	logins  []chan Ack
	pongs   []chan struct{}
	dropped int
	err     error
}

// Option adjusts a client when it is created.
type Option func(*options)

type options struct {
	eventBuffer int
	tls         *tls.Config
}

func collect(opts []Option) options {
	o := options{eventBuffer: EventBuffer}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// WithTLS makes DialTCP speak TLS and DialWebSocket (with a wss:// URL)
// verify the gateway with cfg (e.g. a RootCAs pool for a private CA); nil
// keeps the system roots for wss:// and plain TCP.
func WithTLS(cfg *tls.Config) Option {
	return func(o *options) { o.tls = cfg }
}

// WithEventBuffer sets the capacity of Events (EventBuffer by default). The
// buffer is allocated up front, so a load tool holding thousands of
// connections that it drains promptly uses a small one.
func WithEventBuffer(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.eventBuffer = n
		}
	}
}

func newClient(t wire.Conn, d Device, o options) *Client {
	c := &Client{t: t, dev: d, events: make(chan payload.Envelope, o.eventBuffer),
		done: make(chan struct{}), waiters: map[string][]chan Ack{}}
	go c.readLoop()
	return c
}

// Events delivers every downlink envelope except pongs and login ACKs, in
// arrival order (up-ACKs included). It is closed when the connection ends.
func (c *Client) Events() <-chan payload.Envelope { return c.events }

// Done is closed when the connection has ended; Err then tells why.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended, or nil while it is up.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Dropped counts envelopes lost because Events was not drained.
func (c *Client) Dropped() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dropped
}

// Close ends the connection.
func (c *Client) Close() error { return c.t.Close() }

// NewMessageID returns a random (version 4) UUID.
func NewMessageID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// write encodes body as the JSON of one uplink packet.
func (c *Client) write(cmd command.Code, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("imclient: encode %v: %w", cmd, err)
	}
	p := packet.Client{Command: cmd, Version: 1, Device: c.dev.Type, Format: packet.JSON, AppID: c.dev.AppID, IMEI: c.dev.IMEI, Body: b}
	if err := c.t.Write(p.Append(nil)); err != nil {
		return fmt.Errorf("imclient: write %v: %w", cmd, err)
	}
	return nil
}

// wait blocks for ch, the context or the end of the connection.
func wait[T any](ctx context.Context, c *Client, ch <-chan T) (T, error) {
	var zero T
	select {
	case v := <-ch:
		return v, nil
	case <-ctx.Done():
		return zero, ctx.Err()
	case <-c.done:
		// A gateway that refuses a login answers and closes: the read loop
		// hands the answer over before it closes done, but select picks
		// among ready cases at random, so the answer is looked for first.
		select {
		case v := <-ch:
			return v, nil
		default:
			return zero, ErrClosed
		}
	}
}
