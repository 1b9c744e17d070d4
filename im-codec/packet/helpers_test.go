package packet_test

import (
	"encoding/binary"
	"io"
)

// header builds a raw uplink header from seven arbitrary field values, so
// tests can state lengths that disagree with the bytes that follow.
func header(cmd, ver, dev, format, app, imeiLen, bodyLen uint32) []byte {
	b := make([]byte, 0, 28)
	for _, v := range []uint32{cmd, ver, dev, format, app, imeiLen, bodyLen} {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}

// raw concatenates byte slices and strings into one frame.
func raw(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch v := p.(type) {
		case []byte:
			b = append(b, v...)
		case string:
			b = append(b, v...)
		}
	}
	return b
}

// serverHeader builds a raw downlink header.
func serverHeader(cmd, bodyLen uint32) []byte {
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, cmd), bodyLen)
}

// repeatReader yields its bytes over and over, never returning an error,
// and never allocates: a stand-in for a busy connection in benchmarks.
type repeatReader struct {
	b   []byte
	off int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.b[r.off:])
		n += c
		r.off = (r.off + c) % len(r.b)
	}
	return n, nil
}

var _ io.Reader = (*repeatReader)(nil)
