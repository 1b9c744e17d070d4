package packet_test

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"runtime"
	"testing"
	"testing/iotest"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
)

var streamPackets = []packet.Client{
	{Command: command.Login, Version: 1, Device: device.Web, AppID: 10000, IMEI: "web-1",
		Body: []byte(`{"userId":"alice","userSign":"s"}`)},
	{Command: command.Ping, Version: 1, Device: device.Web, AppID: 10000, IMEI: "web-1"},
	{Command: command.MessageP2P, Version: 1, Device: device.Web, AppID: 10000, IMEI: "web-1",
		Body: []byte(`{"messageId":"m1","toId":"bob","messageBody":"hi"}`)},
	{Command: command.Logout, Version: 1, Device: device.Web, AppID: 10000},
}

func stream(ps ...packet.Client) []byte {
	var b []byte
	for _, p := range ps {
		b = p.Append(b)
	}
	return b
}

// TestReader_Chunking reads the same coalesced stream through readers that
// split it everywhere, including inside headers.
func TestReader_Chunking(t *testing.T) {
	data := stream(streamPackets...)
	tests := []struct {
		name string
		r    io.Reader
	}{
		{"one read", bytes.NewReader(data)},
		{"one byte per read", iotest.OneByteReader(bytes.NewReader(data))},
		{"half reads", iotest.HalfReader(bytes.NewReader(data))},
		{"eof with last data", iotest.DataErrReader(bytes.NewReader(data))},
		{"header split at 13", io.MultiReader(bytes.NewReader(data[:13]), bytes.NewReader(data[13:]))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := packet.NewReader(tt.r, packet.DefaultLimits())
			for i, want := range streamPackets {
				got, err := r.ReadClient()
				if err != nil {
					t.Fatalf("packet %d: %v", i, err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("packet %d: got %+v, want %+v", i, got, want)
				}
			}
			if _, err := r.ReadClient(); err != io.EOF { //nolint:errorlint // io.EOF must come back unwrapped
				t.Fatalf("after the last frame: %v, want io.EOF", err)
			}
		})
	}
}

func TestReader_CleanEOF(t *testing.T) {
	r := packet.NewReader(bytes.NewReader(nil), packet.Limits{})
	if _, err := r.ReadClient(); err != io.EOF { //nolint:errorlint // io.EOF must come back unwrapped
		t.Fatalf("empty stream: %v, want io.EOF", err)
	}
	s := packet.NewReader(bytes.NewReader(nil), packet.Limits{})
	if _, err := s.ReadServer(); err != io.EOF { //nolint:errorlint // io.EOF must come back unwrapped
		t.Fatalf("empty stream: %v, want io.EOF", err)
	}
}

// TestReader_ClientErrors replays the ParseClient error table on a stream,
// after one good frame, so EOF inside a frame is never a clean EOF.
func TestReader_ClientErrors(t *testing.T) {
	good := packet.Client{Command: command.Ping, Version: 1, IMEI: "w"} // within every test limit
	for _, tt := range clientErrorCases {
		if len(tt.frame) == 0 {
			continue // an empty stream is a clean EOF, tested above
		}
		t.Run(tt.name, func(t *testing.T) {
			r := packet.NewReader(iotest.HalfReader(bytes.NewReader(raw(stream(good), tt.frame))), tt.lim)
			if _, err := r.ReadClient(); err != nil {
				t.Fatalf("good frame: %v", err)
			}
			_, err := r.ReadClient()
			checkFrameError(t, err, tt.want, tt.field, tt.value, tt.limit)
			if _, again := r.ReadClient(); again != err { //nolint:errorlint // the same value must come back
				t.Errorf("second read after an error: %v, want the sticky %v", again, err)
			}
		})
	}
}

func TestReader_ServerErrors(t *testing.T) {
	for _, tt := range serverErrorCases {
		if len(tt.frame) == 0 {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			r := packet.NewReader(iotest.OneByteReader(bytes.NewReader(tt.frame)), tt.lim)
			_, err := r.ReadServer()
			checkFrameError(t, err, tt.want, tt.field, tt.value, tt.limit)
		})
	}
}

func TestReader_EOFMidFrame(t *testing.T) {
	frame := streamPackets[2].Append(nil)
	tests := []struct {
		name  string
		cut   int
		want  error
		field string
	}{
		{"mid header", 10, packet.ErrShortHeader, "header"},
		{"mid imei", 30, packet.ErrTruncated, "imei"},
		{"mid body", len(frame) - 1, packet.ErrTruncated, "body"},
		{"right after the imei", 33, packet.ErrTruncated, "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := packet.NewReader(bytes.NewReader(frame[:tt.cut]), packet.Limits{}).ReadClient()
			if !errors.Is(err, tt.want) || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("err = %v, want %v wrapping io.ErrUnexpectedEOF", err, tt.want)
			}
			var fe *packet.FrameError
			if errors.As(err, &fe); fe.Field != tt.field {
				t.Errorf("field %q, want %q", fe.Field, tt.field)
			}
		})
	}
}

func TestReader_StreamErrorPassesThrough(t *testing.T) {
	boom := errors.New("boom")
	frame := streamPackets[0].Append(nil)
	for _, cut := range []int{0, 10, 30, len(frame) - 1} {
		r := packet.NewReader(io.MultiReader(bytes.NewReader(frame[:cut]), iotest.ErrReader(boom)), packet.Limits{})
		_, err := r.ReadClient()
		if !errors.Is(err, boom) || packet.Code(err) != nil {
			t.Errorf("cut %d: err = %v, want boom with no errcode", cut, err)
		}
	}
}

func TestReader_ReadServer(t *testing.T) {
	ps := []packet.Server{
		{Command: command.LoginAck, Body: []byte(`{"code":0,"msg":"ok"}`)},
		{Command: command.MutualLogin},
		{Command: command.Ping, Body: []byte(`{"time":1}`)},
	}
	var data []byte
	for _, p := range ps {
		data = p.Append(data)
	}
	r := packet.NewReader(iotest.OneByteReader(bytes.NewReader(data)), packet.Limits{})
	for i, want := range ps {
		got, err := r.ReadServer()
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("packet %d: %+v %v, want %+v", i, got, err, want)
		}
	}
	if _, err := r.ReadServer(); err != io.EOF { //nolint:errorlint // io.EOF must come back unwrapped
		t.Fatalf("after the last frame: %v", err)
	}
}

// TestReader_HugeLengthAllocatesNothing checks the limits run before any
// allocation: a 2 GiB or 2 GiB-1 length costs a few bytes of error, not memory.
func TestReader_HugeLengthAllocatesNothing(t *testing.T) {
	for _, n := range []uint32{1 << 31, 1<<31 - 1, ^uint32(0)} {
		frame := header(1103, 1, 1, 0, 1, 0, n)
		r := packet.NewReader(bytes.NewReader(frame), packet.Limits{})
		before := totalAlloc()
		_, err := r.ReadClient()
		_, perr := packet.ParseClient(frame, packet.Limits{})
		grown := totalAlloc() - before
		if err == nil || perr == nil {
			t.Fatalf("length %d accepted: %v %v", n, err, perr)
		}
		// TotalAlloc is process-wide (the race runtime and the reader's own
		// buffer count too), so the bound sits between that noise and the
		// smallest body-sized allocation that would betray the bug.
		if grown > 32<<10 {
			t.Errorf("length %d: %d bytes allocated", n, grown)
		}
	}
}

func totalAlloc() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

// TestReader_Allocs pins the allocation budget of a steady TCP session: one
// allocation per frame (its body), the IMEI string being reused.
func TestReader_Allocs(t *testing.T) {
	r := packet.NewReader(&repeatReader{b: streamPackets[2].Append(nil)}, packet.Limits{})
	if _, err := r.ReadClient(); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = r.ReadClient() }); n > 1 {
		t.Errorf("ReadClient: %v allocs per frame, want <= 1", n)
	}
	frame := streamPackets[2].Append(nil)
	if n := testing.AllocsPerRun(100, func() { _, _ = packet.ParseClient(frame, packet.Limits{}) }); n > 1 {
		t.Errorf("ParseClient: %v allocs per frame, want <= 1", n)
	}
	p := streamPackets[2]
	buf := make([]byte, 0, p.Len())
	if n := testing.AllocsPerRun(100, func() { _ = p.Append(buf[:0]) }); n != 0 {
		t.Errorf("Append: %v allocs, want 0", n)
	}
}
