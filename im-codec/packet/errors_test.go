package packet_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/errcode"
)

func TestCode(t *testing.T) {
	frameErr := func(err error) error { return &packet.FrameError{Field: "body", Value: 1, Limit: 2, Err: err} }
	tests := []struct {
		name string
		err  error
		want *errcode.Error // nil: not a frame error
	}{
		{"nil", nil, nil},
		{"clean eof", io.EOF, nil},
		{"bare unexpected eof", io.ErrUnexpectedEOF, nil},
		{"network error", errors.New("connection reset"), nil},
		{"short header", frameErr(packet.ErrShortHeader), errcode.MalformedFrame},
		{"truncated", frameErr(packet.ErrTruncated), errcode.MalformedFrame},
		{"negative length", frameErr(packet.ErrNegativeLength), errcode.MalformedFrame},
		{"trailing bytes", frameErr(packet.ErrTrailingBytes), errcode.MalformedFrame},
		{"imei too long", frameErr(packet.ErrIMEITooLong), errcode.FrameTooLarge},
		{"body too large", frameErr(packet.ErrBodyTooLarge), errcode.FrameTooLarge},
		{"wrapped", fmt.Errorf("session 7: %w", frameErr(packet.ErrBodyTooLarge)), errcode.FrameTooLarge},
		{"bare sentinel", packet.ErrTrailingBytes, errcode.MalformedFrame},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := packet.Code(tt.err)
			switch {
			case tt.want == nil && got != nil:
				t.Fatalf("Code = %v, want nil", got)
			case tt.want == nil:
				return
			case got == nil || !errors.Is(got, tt.want):
				t.Fatalf("Code = %v, want %v", got, tt.want)
			}
			if got.Message == tt.want.Message {
				t.Errorf("Code lost the frame detail: %q", got.Message)
			}
		})
	}
}

func TestSentinels_Chain(t *testing.T) {
	if !errors.Is(packet.ErrShortHeader, packet.ErrTruncated) || !errors.Is(packet.ErrTruncated, io.ErrUnexpectedEOF) {
		t.Error("ErrShortHeader must wrap ErrTruncated, which must wrap io.ErrUnexpectedEOF")
	}
	if errors.Is(packet.ErrTruncated, packet.ErrShortHeader) || errors.Is(packet.ErrTruncated, io.EOF) {
		t.Error("ErrTruncated must not match ErrShortHeader or io.EOF")
	}
}

func TestFrameError_Message(t *testing.T) {
	err := &packet.FrameError{Field: "bodyLength", Value: 70000, Limit: 65536, Err: packet.ErrBodyTooLarge}
	const want = "packet: bodyLength 70000 (limit 65536): body too large"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestLimits_Defaults(t *testing.T) {
	if l := packet.DefaultLimits(); l.MaxIMEI != 128 || l.MaxBody != 64<<10 {
		t.Errorf("DefaultLimits = %+v", l)
	}
	// A zero Limits means the defaults, not "nothing allowed".
	frame := raw(header(9000, 1, 1, 0, 1, 128, 0), string(make([]byte, 128)))
	if _, err := packet.ParseClient(frame, packet.Limits{}); err != nil {
		t.Errorf("zero Limits rejected a 128-byte IMEI: %v", err)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		f         packet.Format
		name      string
		supported bool
	}{
		{packet.JSON, "json", true},
		{packet.Protobuf, "protobuf", false},
		{packet.XML, "xml", false},
		{7, "format(7)", false},
	}
	for _, tt := range tests {
		if tt.f.String() != tt.name || tt.f.Supported() != tt.supported {
			t.Errorf("Format(%d): %q %v, want %q %v", tt.f, tt.f.String(), tt.f.Supported(), tt.name, tt.supported)
		}
	}
}
