package gateway

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
)

// The transport tests write raw bytes in chunks (a short pause between
// chunks, so each arrives on its own) and check what successive reads
// return: "ok" for a ping packet, a code for a refused frame, "end" when
// the connection ends. They pin the idle wait of idle.go: bytes already
// buffered must be read without waiting for more.

var pk = packet.Client{Command: command.Ping, Version: 1, Device: device.Web, AppID: 7, IMEI: "i", Body: []byte(`{}`)}.Append(nil)

type chunkCase struct {
	name   string
	chunks [][]byte
	close  bool // the client closes after the chunks
	want   []string
}

func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

// bytewise splits b into one-byte chunks.
func bytewise(b []byte) [][]byte {
	out := make([][]byte, len(b))
	for i := range b {
		out[i] = b[i : i+1]
	}
	return out
}

// writeChunks writes the chunks from a goroutine, then closes if asked.
func writeChunks(c net.Conn, tc chunkCase) {
	go func() {
		for _, b := range tc.chunks {
			if _, err := c.Write(b); err != nil {
				return
			}
			time.Sleep(200 * time.Microsecond) // let the chunk arrive alone
		}
		if tc.close {
			c.Close()
		}
	}()
}

// outcomes performs len(want) reads.
func outcomes(tr transport, n int) []string {
	var got []string
	for range n {
		p, err := tr.read()
		switch e := frameCode(err); {
		case err == nil && p.Command == command.Ping && string(p.Body) == "{}":
			got = append(got, "ok")
		case err == nil:
			got = append(got, "packet "+p.Command.String())
		case e != nil:
			got = append(got, strconv.Itoa(int(e.Code)))
		default:
			got = append(got, "end")
		}
	}
	return got
}

func code(e *errcode.Error) string { return strconv.Itoa(int(e.Code)) }

func TestTCPTransport(t *testing.T) {
	huge := binary.BigEndian.AppendUint32(pk[:24:24], 1<<20) // bodyLength 1 MiB
	tests := []chunkCase{
		{"one frame", [][]byte{pk}, false, []string{"ok"}},
		{"pipelined in one write", [][]byte{cat(pk, pk, pk)}, false, []string{"ok", "ok", "ok"}},
		{"byte by byte", bytewise(cat(pk, pk)), false, []string{"ok", "ok"}},
		{"a frame and a half", [][]byte{cat(pk, pk[:10]), pk[10:]}, false, []string{"ok", "ok"}},
		{"body over the limit", [][]byte{huge}, false, []string{code(errcode.FrameTooLarge)}},
		{"closed inside a header", [][]byte{pk[:20]}, true, []string{code(errcode.MalformedFrame)}},
		{"closed between frames", [][]byte{pk}, true, []string{"ok", "end"}},
	}
	readers := &readerPool{lim: packet.DefaultLimits()}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, server := net.Pipe()
			defer client.Close()
			defer server.Close()
			_ = server.SetReadDeadline(time.Now().Add(5 * time.Second)) // a wrong wait fails, not hangs
			tr := &tcpTransport{c: &waitConn{Conn: server}, readers: readers}
			writeChunks(client, tt)
			if got := outcomes(tr, len(tt.want)); strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("reads = %v, want %v", got, tt.want)
			}
			if tt.want[len(tt.want)-1] == "ok" && tr.r != nil {
				t.Error("an idle connection kept its frame reader")
			}
		})
	}
}

// wsFrame encodes a client frame: masked unless unmasked is set.
func wsFrame(op byte, fin bool, payload []byte, unmasked ...bool) []byte {
	b := []byte{op, 0}
	if fin {
		b[0] |= 0x80
	}
	switch n := len(payload); {
	case n < 126:
		b[1] = byte(n)
	case n < 1<<16:
		b[1] = 126
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b[1] = 127
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if len(unmasked) > 0 {
		return append(b, payload...)
	}
	b[1] |= 0x80
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	b = append(b, key[:]...)
	for i, c := range payload {
		b = append(b, c^key[i%4])
	}
	return b
}

const (
	opCont, opText, opBinary, opClose, opPing = 0x0, 0x1, 0x2, 0x8, 0x9
)

func TestWSTransport(t *testing.T) {
	msg := wsFrame(opBinary, true, pk)
	tests := []chunkCase{
		{"one message", [][]byte{msg}, false, []string{"ok"}},
		{"pipelined in one write", [][]byte{cat(msg, msg, msg)}, false, []string{"ok", "ok", "ok"}},
		{"byte by byte", bytewise(cat(msg, msg)), false, []string{"ok", "ok"}},
		{"fragments around a ping", [][]byte{wsFrame(opBinary, false, pk[:10]), wsFrame(opPing, true, []byte("hi")),
			wsFrame(opCont, false, pk[10:20]), cat(wsFrame(opCont, true, pk[20:]), msg)}, false, []string{"ok", "ok"}},
		{"text message", [][]byte{wsFrame(opText, true, pk)}, false, []string{code(errcode.MalformedFrame)}},
		// Gorilla refuses the frame header with a close frame (1009).
		{"over the read limit", [][]byte{wsFrame(opBinary, true, make([]byte, 70<<10))}, false, []string{"end"}},
		{"packet shorter than its lengths", [][]byte{wsFrame(opBinary, true, pk[:30])}, false, []string{code(errcode.MalformedFrame)}},
		{"close frame", [][]byte{msg, wsFrame(opClose, true, []byte{3, 232})}, false, []string{"ok", "end"}},
		{"unmasked frame", [][]byte{wsFrame(opBinary, true, pk, true)}, false, []string{"end"}},
		{"connection dropped", [][]byte{msg}, true, []string{"ok", "end"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, client := wsPair(t)
			writeChunks(client, tt)
			if got := outcomes(tr, len(tt.want)); strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("reads = %v, want %v", got, tt.want)
			}
			if strings.HasPrefix(tt.name, "fragments") {
				expectPong(t, client, "hi")
			}
		})
	}
}

// wsPair upgrades one connection with the gateway's upgrader and returns
// the server transport and the client's raw connection.
func wsPair(t testing.TB) (*wsTransport, net.Conn) {
	t.Helper()
	g, _, _ := testGateway(t, device.PolicyUnlimited)
	s := newWSServer(t.Context(), g)
	got := make(chan *wsTransport, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr, err := s.upgrade(w, r)
		if err != nil {
			t.Error(err)
		}
		got <- tr
	}))
	t.Cleanup(srv.Close)
	cc, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	tr := <-got
	if tr == nil {
		t.FailNow()
	}
	t.Cleanup(func() { tr.close() })
	_ = tr.nc.SetReadDeadline(time.Now().Add(5 * time.Second)) // a wrong wait fails, not hangs
	return tr, cc.NetConn()
}

// expectPong reads the server's pong frame from the raw client connection.
func expectPong(t *testing.T, c net.Conn, payload string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	want := append([]byte{0x8A, byte(len(payload))}, payload...)
	b := make([]byte, len(want))
	if _, err := io.ReadFull(c, b); err != nil || !bytes.Equal(b, want) {
		t.Errorf("pong = % x (%v), want % x", b, err, want)
	}
}
