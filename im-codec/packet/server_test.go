package packet_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
)

func TestParseServer_Fields(t *testing.T) {
	tests := []struct {
		name  string
		frame []byte
		want  packet.Server
	}{
		{"login ack", raw(serverHeader(9001, 2), "{}"), packet.Server{Command: command.LoginAck, Body: []byte("{}")}},
		{"empty body", serverHeader(9002, 0), packet.Server{Command: command.MutualLogin}},
		{"max command", raw(serverHeader(^uint32(0), 1), "1"), packet.Server{Command: 1<<32 - 1, Body: []byte("1")}},
		{"body at the limit", raw(serverHeader(1103, 64<<10), bytes.Repeat([]byte("x"), 64<<10)),
			packet.Server{Command: command.MessageP2P, Body: bytes.Repeat([]byte("x"), 64<<10)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := packet.ParseServer(tt.frame, packet.DefaultLimits())
			if err != nil {
				t.Fatalf("ParseServer: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if enc := got.Append(nil); !bytes.Equal(enc, tt.frame) {
				t.Errorf("re-encoded %x, want %x", enc, tt.frame)
			}
		})
	}
}

// serverErrorCases are the bad downlink frames; the Reader tests reuse them.
var serverErrorCases = []frameErrorCase{
	{"empty", nil, packet.Limits{}, packet.ErrShortHeader, "header", 0, 8},
	{"7 bytes", serverHeader(1, 0)[:7], packet.Limits{}, packet.ErrShortHeader, "header", 7, 8},
	{"2 GiB body length", serverHeader(1103, 1<<31), packet.Limits{}, packet.ErrNegativeLength, "bodyLength", -1 << 31, 0},
	{"length -1", serverHeader(1103, ^uint32(0)), packet.Limits{}, packet.ErrNegativeLength, "bodyLength", -1, 0},
	{"body one over", serverHeader(1103, 64<<10+1), packet.Limits{}, packet.ErrBodyTooLarge, "bodyLength", 64<<10 + 1, 64 << 10},
	{"custom limit", raw(serverHeader(1103, 3), "abc"), packet.Limits{MaxBody: 2}, packet.ErrBodyTooLarge, "bodyLength", 3, 2},
	{"truncated body", raw(serverHeader(1103, 10), "{}"), packet.Limits{}, packet.ErrTruncated, "body", 2, 10},
}

func TestParseServer_Errors(t *testing.T) {
	for _, tt := range serverErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := packet.ParseServer(tt.frame, tt.lim)
			checkFrameError(t, err, tt.want, tt.field, tt.value, tt.limit)
		})
	}
	t.Run("trailing bytes", func(t *testing.T) {
		_, err := packet.ParseServer(raw(serverHeader(9999, 2), "{}", "{}"), packet.Limits{})
		checkFrameError(t, err, packet.ErrTrailingBytes, "frame", 12, 10)
	})
}

func TestServer_Append(t *testing.T) {
	p := packet.Server{Command: command.MessageAck, Body: []byte(`{"code":0}`)}
	want := raw(serverHeader(1046, 10), `{"code":0}`)
	if p.Len() != len(want) {
		t.Errorf("Len = %d, want %d", p.Len(), len(want))
	}
	if got := p.Append([]byte("x")); !bytes.Equal(got, raw("x", want)) {
		t.Errorf("got %x, want %x", got, raw("x", want))
	}
}
