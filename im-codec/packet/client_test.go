package packet_test

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
)

func TestParseClient_Fields(t *testing.T) {
	tests := []struct {
		name  string
		frame []byte
		want  packet.Client
	}{
		{"every field distinct",
			raw(header(0x01020304, 0x05060708, 0x090a0b0c, 0x0d0e0f10, 0x11121314, 3, 2), "abc", "{}"),
			packet.Client{Command: 0x01020304, Version: 0x05060708, Device: 0x090a0b0c, Format: 0x0d0e0f10,
				AppID: 0x11121314, IMEI: "abc", Body: []byte("{}")}},
		{"login", raw(header(9000, 1, 1, 0, 10000, 3, 18), "web", `{"userId":"alice"}`),
			packet.Client{Command: command.Login, Version: 1, Device: device.Web, AppID: 10000,
				IMEI: "web", Body: []byte(`{"userId":"alice"}`)}},
		{"max values", raw(header(^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0), 0, 0)),
			packet.Client{Command: 1<<32 - 1, Version: 1<<32 - 1, Device: 1<<32 - 1, Format: 1<<32 - 1, AppID: 1<<32 - 1}},
		{"empty imei and body", raw(header(9999, 1, 3, 0, 7, 0, 0)),
			packet.Client{Command: command.Ping, Version: 1, Device: device.Android, AppID: 7}},
		{"unsupported format passes", raw(header(1103, 1, 2, 2, 7, 1, 1), "i", "<"),
			packet.Client{Command: command.MessageP2P, Version: 1, Device: device.IOS, Format: packet.XML,
				AppID: 7, IMEI: "i", Body: []byte("<")}},
		{"unknown device and command pass", raw(header(4242, 9, 99, 0, 7, 0, 2), "{}"),
			packet.Client{Command: 4242, Version: 9, Device: 99, AppID: 7, Body: []byte("{}")}},
		{"utf-8 imei at the limit", raw(header(9000, 1, 1, 0, 1, 128, 0), string(bytes.Repeat([]byte("é"), 64))),
			packet.Client{Command: command.Login, Version: 1, Device: device.Web, AppID: 1,
				IMEI: string(bytes.Repeat([]byte("é"), 64))}},
		{"body at the limit", raw(header(1103, 1, 1, 0, 1, 0, 64<<10), bytes.Repeat([]byte("x"), 64<<10)),
			packet.Client{Command: command.MessageP2P, Version: 1, Device: device.Web, AppID: 1,
				Body: bytes.Repeat([]byte("x"), 64<<10)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := packet.ParseClient(tt.frame, packet.DefaultLimits())
			if err != nil {
				t.Fatalf("ParseClient: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
			if enc := got.Append(nil); !bytes.Equal(enc, tt.frame) {
				t.Errorf("re-encoded %x\nwant %x", enc, tt.frame)
			}
		})
	}
}

// frameErrorCase is a bad frame and the *FrameError parsing it must give.
type frameErrorCase struct {
	name  string
	frame []byte
	lim   packet.Limits
	want  error
	field string
	value int64
	limit int64
}

// clientErrorCases are the bad uplink frames; the Reader tests reuse them.
var clientErrorCases = []frameErrorCase{
	{"empty", nil, packet.Limits{}, packet.ErrShortHeader, "header", 0, 28},
	{"27 bytes", header(1, 1, 1, 0, 1, 0, 0)[:27], packet.Limits{}, packet.ErrShortHeader, "header", 27, 28},
	{"negative imei length", header(9000, 1, 1, 0, 1, 1<<31, 0), packet.Limits{}, packet.ErrNegativeLength, "imeiLength", -1 << 31, 0},
	{"imei length -1", header(9000, 1, 1, 0, 1, ^uint32(0), 0), packet.Limits{}, packet.ErrNegativeLength, "imeiLength", -1, 0},
	{"2 GiB body length", header(9000, 1, 1, 0, 1, 0, 1<<31), packet.Limits{}, packet.ErrNegativeLength, "bodyLength", -1 << 31, 0},
	{"2 GiB - 1 body length", header(9000, 1, 1, 0, 1, 0, 1<<31-1), packet.Limits{}, packet.ErrBodyTooLarge, "bodyLength", 1<<31 - 1, 64 << 10},
	{"body one over", header(9000, 1, 1, 0, 1, 0, 64<<10+1), packet.Limits{}, packet.ErrBodyTooLarge, "bodyLength", 64<<10 + 1, 64 << 10},
	{"imei one over", header(9000, 1, 1, 0, 1, 129, 0), packet.Limits{}, packet.ErrIMEITooLong, "imeiLength", 129, 128},
	{"custom imei limit", raw(header(9000, 1, 1, 0, 1, 5, 0), "abcde"), packet.Limits{MaxIMEI: 4}, packet.ErrIMEITooLong, "imeiLength", 5, 4},
	{"custom body limit", raw(header(9000, 1, 1, 0, 1, 0, 11), "{}"), packet.Limits{MaxBody: 10}, packet.ErrBodyTooLarge, "bodyLength", 11, 10},
	{"imei checked before body", header(9000, 1, 1, 0, 1, 1<<31, 1<<31), packet.Limits{}, packet.ErrNegativeLength, "imeiLength", -1 << 31, 0},
	{"truncated imei", raw(header(9000, 1, 1, 0, 1, 8, 2), "web"), packet.Limits{}, packet.ErrTruncated, "imei", 3, 8},
	{"truncated body", raw(header(9000, 1, 1, 0, 1, 3, 20), "web", `{"userId"`), packet.Limits{}, packet.ErrTruncated, "body", 9, 20},
	{"header only", header(9000, 1, 1, 0, 1, 0, 2), packet.Limits{}, packet.ErrTruncated, "body", 0, 2},
}

func TestParseClient_Errors(t *testing.T) {
	for _, tt := range clientErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := packet.ParseClient(tt.frame, tt.lim)
			checkFrameError(t, err, tt.want, tt.field, tt.value, tt.limit)
		})
	}
}

func TestParseClient_TrailingBytes(t *testing.T) {
	frame := raw(header(9999, 1, 1, 0, 1, 1, 2), "i", "{}", "x")
	_, err := packet.ParseClient(frame, packet.Limits{})
	checkFrameError(t, err, packet.ErrTrailingBytes, "frame", 32, 31)
}

func TestParseClient_BodyAliasesClippedFrame(t *testing.T) {
	frame := raw(header(1103, 1, 1, 0, 1, 1, 2), "i", "{}")
	p, err := packet.ParseClient(frame, packet.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if cap(p.Body) != 2 {
		t.Errorf("cap(Body) = %d, want 2 so appends cannot write into the frame", cap(p.Body))
	}
	frame[28] = 'X' // the IMEI is a copy
	if p.IMEI != "i" {
		t.Errorf("IMEI changed with the frame: %q", p.IMEI)
	}
}

func TestClient_Append(t *testing.T) {
	p := packet.Client{Command: command.MessageP2P, Version: 1, Device: device.IOS, AppID: 10000,
		IMEI: "ios", Body: []byte(`{"a":1}`)}
	want := raw(header(1103, 1, 2, 0, 10000, 3, 7), "ios", `{"a":1}`)
	if p.Len() != len(want) {
		t.Errorf("Len = %d, want %d", p.Len(), len(want))
	}
	prefix := []byte("prev")
	got := p.Append(prefix)
	if !bytes.Equal(got, raw("prev", want)) {
		t.Errorf("Append kept no prefix or encoded wrongly:\n got %x\nwant %x", got, raw("prev", want))
	}
	buf := make([]byte, 0, 64)
	if out := p.Append(buf); &out[0] != &buf[:1][0] {
		t.Error("Append reallocated a buffer with enough capacity")
	}
}

// checkFrameError asserts err is a *FrameError for sentinel want with the
// given field, value and limit, and that errors.Is and Code agree.
func checkFrameError(t *testing.T, err, want error, field string, value, limit int64) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
	var fe *packet.FrameError
	if !errors.As(err, &fe) {
		t.Fatalf("err %v is not a *FrameError", err)
	}
	if fe.Field != field || fe.Value != value || fe.Limit != limit {
		t.Errorf("FrameError{%s %d %d}, want {%s %d %d}", fe.Field, fe.Value, fe.Limit, field, value, limit)
	}
	if packet.Code(err) == nil {
		t.Errorf("Code(%v) = nil, want an errcode", err)
	}
	truncated := errors.Is(want, packet.ErrTruncated)
	if errors.Is(err, io.ErrUnexpectedEOF) != truncated {
		t.Errorf("errors.Is(%v, io.ErrUnexpectedEOF) = %v, want %v", err, !truncated, truncated)
	}
}
