package gateway

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"
	"time"
)

// recordConn records every Write it gets.
type recordConn struct {
	net.Conn
	writes [][]byte
}

func (c *recordConn) Write(p []byte) (int, error) {
	c.writes = append(c.writes, bytes.Clone(p))
	return len(p), nil
}

func TestCorkConn(t *testing.T) {
	small, big := bytes.Repeat([]byte("s"), 100), bytes.Repeat([]byte("b"), maxCork-50)
	tests := []struct {
		name   string
		corked bool
		in     [][]byte
		want   []int // sizes of the syscall writes
	}{
		{"uncorked writes pass through", false, [][]byte{small, small}, []int{100, 100}},
		{"corked writes leave together", true, [][]byte{small, small, small}, []int{300}},
		{"a full buffer is written early", true, [][]byte{big, small, small}, []int{maxCork - 50, 200}},
		{"a write larger than the buffer goes alone", true, [][]byte{small, bytes.Repeat([]byte("h"), maxCork+1), small}, []int{100, maxCork + 1, 100}},
		{"nothing corked, nothing written", true, nil, nil},
	}
	pool := newCorkPool()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := &recordConn{}
			c := &corkConn{Conn: rc, pool: pool}
			if tt.corked {
				c.cork()
			}
			var sent []byte
			for _, p := range tt.in {
				if n, err := c.Write(p); n != len(p) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
				sent = append(sent, p...)
			}
			if err := c.uncork(); err != nil {
				t.Fatal(err)
			}
			var sizes []int
			for _, w := range rc.writes {
				sizes = append(sizes, len(w))
			}
			if fmt.Sprint(sizes) != fmt.Sprint(tt.want) || !bytes.Equal(bytes.Join(rc.writes, nil), sent) {
				t.Fatalf("writes of %v bytes, want %v (bytes in order: %v)", sizes, tt.want, bytes.Equal(bytes.Join(rc.writes, nil), sent))
			}
			if c.buf != nil {
				t.Fatal("an uncorked connection still holds a buffer")
			}
		})
	}
}

// readWSMessage reads one unmasked binary frame a server wrote.
func readWSMessage(t *testing.T, r io.Reader) []byte {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		t.Fatal(err)
	}
	if h[0] != 0x80|opBinary {
		t.Fatalf("frame header % x", h)
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		_, _ = io.ReadFull(r, b[:])
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		_, _ = io.ReadFull(r, b[:])
		n = binary.BigEndian.Uint64(b[:])
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestWSWriteDrain: a drain of several packets reaches the client as one
// WebSocket message per packet, in order, corked or not.
func TestWSWriteDrain(t *testing.T) {
	tests := []struct {
		name   string
		frames [][]byte
	}{
		{"one packet", [][]byte{[]byte("one")}},
		{"several packets", [][]byte{[]byte("a"), bytes.Repeat([]byte("b"), 300), []byte("c")}},
		{"more than a buffer", [][]byte{bytes.Repeat([]byte("x"), 40<<10), bytes.Repeat([]byte("y"), 40<<10), []byte("z")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, client := wsPair(t)
			_ = client.SetReadDeadline(time.Now().Add(5 * time.Second))
			errc := make(chan error, 1)
			go func() { errc <- tr.write(tt.frames, time.Now().Add(5*time.Second)) }()
			for i, want := range tt.frames {
				if got := readWSMessage(t, client); !bytes.Equal(got, want) {
					t.Fatalf("message %d: %d bytes, want %d", i, len(got), len(want))
				}
			}
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// BenchmarkWSWriteDrain measures the writer's drain over a WebSocket on
// loopback: one op is one packet, written in drains of the given size.
func BenchmarkWSWriteDrain(b *testing.B) {
	for _, n := range []int{1, 16} {
		b.Run(fmt.Sprintf("packets=%d", n), func(b *testing.B) {
			tr, client := wsPair(b)
			go func() { _, _ = io.Copy(io.Discard, client) }()
			frames := make([][]byte, n)
			for i := range frames {
				frames[i] = bytes.Repeat([]byte("p"), 200)
			}
			b.ResetTimer()
			defer reportCPU(b)()
			for i := 0; i < b.N; i += n {
				if err := tr.write(frames, time.Now().Add(5*time.Second)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
