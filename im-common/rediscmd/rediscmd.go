// Package rediscmd sends one Redis command over a connection of its own
// and reads the first line of the reply: enough for black-box tests that
// start, ping, flush or inspect a Redis server without a client library.
package rediscmd

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"time"
)

const (
	dialTimeout = 2 * time.Second // a local server accepts at once or is down
	callTimeout = 5 * time.Second // bounds the whole command unless ctx ends sooner
)

// Do sends args as one command in RESP to addr and returns the first
// reply line, trimmed ("+OK", ":3", "$5"); an error reply is an error.
func Do(ctx context.Context, addr string, args ...string) (string, error) {
	d := net.Dialer{Timeout: dialTimeout}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("redis: %w", err)
	}
	defer nc.Close()
	deadline := time.Now().Add(callTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = nc.SetDeadline(deadline)
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := nc.Write([]byte(b.String())); err != nil {
		return "", fmt.Errorf("redis: %w", err)
	}
	line, err := bufio.NewReader(nc).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("redis: %w", err)
	}
	if strings.HasPrefix(line, "-") {
		return "", fmt.Errorf("redis: %s", strings.TrimSpace(line))
	}
	return strings.TrimSpace(line), nil
}

// Ping reports whether the server at addr answers PING.
func Ping(ctx context.Context, addr string) error {
	_, err := Do(ctx, addr, "PING")
	return err
}
