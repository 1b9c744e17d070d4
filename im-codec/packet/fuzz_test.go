package packet_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
)

// The stream fuzzers take one []byte: its first byte steers the run (chunk
// sizes, EOF style, limits), the rest is the stream. So the fuzzer explores
// splits as well as contents, in the spirit of nats' parser_fuzz_test.go.

// chunkReader hands out data in pseudo-random chunks of 1..max bytes.
type chunkReader struct {
	data        []byte
	rng         *rand.Rand
	max         int
	eofWithData bool // return io.EOF together with the last bytes, as io.Reader allows
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(1+c.rng.IntN(c.max), len(p), len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	if c.eofWithData && len(c.data) == 0 {
		return n, io.EOF
	}
	return n, nil
}

// fuzzLimits are small enough for the fuzzer to cross them by mutation.
var fuzzLimits = packet.Limits{MaxIMEI: 16, MaxBody: 300}

// splitInput turns a fuzz input into a chunked reader over the stream and
// the limits to apply.
func splitInput(in []byte) (*chunkReader, []byte, packet.Limits) {
	if len(in) == 0 {
		return &chunkReader{}, nil, packet.DefaultLimits()
	}
	ctl, data := in[0], in[1:]
	lim := packet.DefaultLimits()
	if ctl&2 != 0 {
		lim = fuzzLimits
	}
	return &chunkReader{
		data:        data,
		rng:         rand.New(rand.NewPCG(uint64(ctl), uint64(len(data)))),
		max:         1 + int(ctl>>2), // 1..64
		eofWithData: ctl&1 != 0,
	}, data, lim
}

// encoder is what both directions' packets can do.
type encoder interface{ Append([]byte) []byte }

// checkStream reads packets until an error and checks the invariants: each
// packet re-encodes to exactly the bytes it came from and parses back the
// same; io.EOF only at the end; any other error is a typed frame error that
// the whole-frame parser reproduces on the rest of the stream.
func checkStream[P encoder](t *testing.T, data []byte, read func() (P, error),
	parse func([]byte) (P, error), valid func(P) bool) {
	off := 0
	for {
		p, err := read()
		if err != nil {
			checkStreamEnd(t, data, off, err, func(b []byte) error { _, err := parse(b); return err })
			if _, again := read(); again != err { //nolint:errorlint // the same value must come back
				t.Fatalf("error not sticky: %v then %v", err, again)
			}
			return
		}
		if !valid(p) {
			t.Fatalf("packet out of limits at %d: %+v", off, p)
		}
		enc := p.Append(nil)
		if len(enc) > len(data)-off || !bytes.Equal(enc, data[off:off+len(enc)]) {
			t.Fatalf("packet at %d re-encodes to %x, stream has %x", off, enc, data[off:])
		}
		if q, err := parse(enc); err != nil || !reflect.DeepEqual(p, q) {
			t.Fatalf("reader and parser disagree at %d: %+v vs %+v (%v)", off, p, q, err)
		}
		off += len(enc)
	}
}

func checkStreamEnd(t *testing.T, data []byte, off int, err error, parse func([]byte) error) {
	if err == io.EOF { //nolint:errorlint // io.EOF must come back unwrapped
		if off != len(data) {
			t.Fatalf("io.EOF at %d of %d bytes", off, len(data))
		}
		return
	}
	var fe *packet.FrameError
	if !errors.As(err, &fe) || packet.Code(err) == nil {
		t.Fatalf("untyped error at %d: %v", off, err)
	}
	if off >= len(data) {
		t.Fatalf("frame error %v after the whole stream was consumed", err)
	}
	// The bad frame is the first one of the rest, so parsing the rest as one
	// frame must fail in exactly the same way.
	var pe *packet.FrameError
	if perr := parse(data[off:]); !errors.As(perr, &pe) || *pe != *fe {
		t.Fatalf("reader says %v, parser on the rest says %v", err, perr)
	}
}

func clientValid(lim packet.Limits) func(packet.Client) bool {
	return func(p packet.Client) bool { return len(p.IMEI) <= lim.MaxIMEI && len(p.Body) <= lim.MaxBody }
}

func serverValid(lim packet.Limits) func(packet.Server) bool {
	return func(p packet.Server) bool { return len(p.Body) <= lim.MaxBody }
}

func FuzzReadClient(f *testing.F) {
	for _, ctl := range []byte{0, 1, 2, 7, 255} {
		f.Add(append([]byte{ctl}, stream(streamPackets...)...))
	}
	f.Add(append([]byte{4}, header(1103, 1, 1, 0, 1, 0, 1<<31)...))
	f.Add(append([]byte{6}, raw(header(1103, 1, 1, 0, 1, 3, 400), "abc")...))
	f.Fuzz(func(t *testing.T, in []byte) {
		cr, data, lim := splitInput(in)
		r := packet.NewReader(cr, lim)
		parse := func(b []byte) (packet.Client, error) { return packet.ParseClient(b, lim) }
		checkStream(t, data, r.ReadClient, parse, clientValid(lim))
	})
}

func FuzzReadServer(f *testing.F) {
	ok := packet.Server{Command: command.MessageAck, Body: []byte(`{"code":0,"msg":"ok"}`)}
	for _, ctl := range []byte{0, 1, 2, 255} {
		f.Add(append([]byte{ctl}, ok.Append(ok.Append(nil))...))
	}
	f.Add(append([]byte{4}, serverHeader(1103, ^uint32(0))...))
	f.Fuzz(func(t *testing.T, in []byte) {
		cr, data, lim := splitInput(in)
		r := packet.NewReader(cr, lim)
		parse := func(b []byte) (packet.Server, error) { return packet.ParseServer(b, lim) }
		checkStream(t, data, r.ReadServer, parse, serverValid(lim))
	})
}

// FuzzParseClient checks the whole-frame parser: a success re-encodes to the
// exact input and matches the Reader; a failure is a typed frame error.
func FuzzParseClient(f *testing.F) {
	f.Add(streamPackets[0].Append(nil))
	f.Add(streamPackets[1].Append(nil))
	f.Add(stream(streamPackets...))
	f.Add(header(9000, 1, 1, 0, 1, 200, 0))
	f.Fuzz(func(t *testing.T, frame []byte) {
		p, err := packet.ParseClient(frame, fuzzLimits)
		if err != nil {
			var fe *packet.FrameError
			if !errors.As(err, &fe) || packet.Code(err) == nil {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if !clientValid(fuzzLimits)(p) {
			t.Fatalf("out of limits: %+v", p)
		}
		if enc := p.Append(nil); !bytes.Equal(enc, frame) {
			t.Fatalf("round trip: %x, want %x", enc, frame)
		}
		r := packet.NewReader(bytes.NewReader(frame), fuzzLimits)
		if q, err := r.ReadClient(); err != nil || !reflect.DeepEqual(p, q) {
			t.Fatalf("reader disagrees: %+v (%v), want %+v", q, err, p)
		}
	})
}

// FuzzRoundTrip starts from fields instead of bytes: encode, then decode
// must give the fields back, in both directions.
func FuzzRoundTrip(f *testing.F) {
	f.Add(uint32(9000), uint32(1), uint32(1), uint32(0), uint32(10000), "web-1", []byte(`{"userId":"a"}`))
	f.Add(uint32(9999), uint32(0), uint32(5), uint32(2), uint32(0), "", []byte(nil))
	f.Fuzz(func(t *testing.T, cmd, ver, dev, format, app uint32, imei string, body []byte) {
		if len(body) == 0 {
			body = nil // the decoders return nil for an empty body
		}
		p := packet.Client{Command: command.Code(cmd), Version: ver, Device: device.Type(dev),
			Format: packet.Format(format), AppID: app, IMEI: imei, Body: body}
		lim := packet.Limits{MaxIMEI: 1 << 20, MaxBody: 1 << 20}
		if q, err := packet.ParseClient(p.Append(nil), lim); err != nil || !reflect.DeepEqual(p, q) {
			t.Fatalf("client: %+v (%v), want %+v", q, err, p)
		}
		s := packet.Server{Command: command.Code(cmd), Body: body}
		if q, err := packet.ParseServer(s.Append(nil), lim); err != nil || !reflect.DeepEqual(s, q) {
			t.Fatalf("server: %+v (%v), want %+v", q, err, s)
		}
	})
}
