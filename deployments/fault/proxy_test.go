package fault

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"testing"
	"time"
)

// TestProxyDegradeKeepsBytes: with latency and slicing on, a stream
// passes through unchanged; a blocked proxy refuses connections.
func TestProxyDegradeKeepsBytes(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // echo server
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); c.Close() }()
		}
	}()
	p, err := newProxy("test", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	p.degrade(20*time.Millisecond, true)
	c, err := net.Dial("tcp", p.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	want := make([]byte, 4000)
	_, _ = rand.Read(want)
	start := time.Now()
	go func() { _, _ = c.Write(want) }()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("the stream changed on its way through the proxy")
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("round trip %v, want at least twice the 20 ms latency", d)
	}
	p.block()
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("the open connection survived the block")
	}
	c2, err := net.Dial("tcp", p.addr())
	if err == nil {
		_ = c2.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c2.Read(make([]byte, 1)); err == nil {
			t.Error("a new connection passed the block")
		}
		c2.Close()
	}
}
