package inproc

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/whaleim/whaleim/im-common/mq"
)

// Log records. Each is framed as
//
//	[4 bytes payload length][4 bytes CRC-32C of payload][payload]
//
// and the payload starts with its kind: kindPublish carries a message
// stored in a durable queue, kindAck says the message with that id left its
// queue (acked, dead-lettered or dropped). A torn write at the end of the
// file (the process died mid-write) fails its length or checksum, and the
// replay stops there: only records written before the last fsync count.
const (
	kindPublish = 'P'
	kindAck     = 'A'
	frameHeader = 8
	// maxRecord bounds one record so a corrupt length cannot make the
	// replay allocate gigabytes.
	maxRecord = 64 << 20
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// errTorn means the log ends in a partial or corrupt record.
var errTorn = errors.New("inproc: torn record")

// stored is a durable message as the log keeps it.
type stored struct {
	id      uint64
	queue   string
	exch    string
	key     string
	pub     mq.Publishing
	expires time.Time
}

func frame(dst, payload []byte) []byte {
	var h [frameHeader]byte
	binary.LittleEndian.PutUint32(h[0:4], uint32(len(payload)))
	binary.LittleEndian.PutUint32(h[4:8], crc32.Checksum(payload, crcTable))
	return append(append(dst, h[:]...), payload...)
}

// appendAck appends the framed ack record of id to dst.
func appendAck(dst []byte, id uint64) []byte {
	p := binary.AppendUvarint([]byte{kindAck}, id)
	return frame(dst, p)
}

// appendPublish appends the framed publish record of s to dst.
func appendPublish(dst []byte, s *stored) ([]byte, error) {
	headers, err := json.Marshal(s.pub.Headers)
	if err != nil {
		return dst, fmt.Errorf("inproc: message headers: %w", err)
	}
	p := binary.AppendUvarint([]byte{kindPublish}, s.id)
	for _, f := range [][]byte{[]byte(s.queue), []byte(s.exch), []byte(s.key), []byte(s.pub.ContentType),
		[]byte(s.pub.MessageID), []byte(s.pub.Type), headers, s.pub.Body} {
		p = binary.AppendUvarint(p, uint64(len(f)))
		p = append(p, f...)
	}
	var exp int64
	if !s.expires.IsZero() {
		exp = s.expires.UnixNano()
	}
	p = binary.AppendVarint(p, exp)
	return frame(dst, p), nil
}

// next reads the record at the start of b: its kind, the stored message
// (kindPublish) or id (kindAck), and its framed length.
func next(b []byte) (kind byte, s stored, n int, err error) {
	if len(b) < frameHeader {
		return 0, s, 0, errTorn
	}
	size := binary.LittleEndian.Uint32(b[0:4])
	if size == 0 || size > maxRecord || int(size) > len(b)-frameHeader {
		return 0, s, 0, errTorn
	}
	p := b[frameHeader : frameHeader+int(size)]
	if crc32.Checksum(p, crcTable) != binary.LittleEndian.Uint32(b[4:8]) {
		return 0, s, 0, errTorn
	}
	s, err = decodePayload(p)
	return p[0], s, frameHeader + int(size), err
}

// decodePayload parses a checksummed payload; an error here is a bug or
// a foreign file, not a torn write.
func decodePayload(p []byte) (stored, error) {
	r := reader{b: p[1:]}
	s := stored{id: r.uvarint()}
	if p[0] == kindAck {
		return s, r.err
	}
	if p[0] != kindPublish {
		return s, fmt.Errorf("inproc: unknown record kind %q", p[0])
	}
	s.queue, s.exch, s.key = string(r.field()), string(r.field()), string(r.field())
	s.pub.ContentType, s.pub.MessageID, s.pub.Type = string(r.field()), string(r.field()), string(r.field())
	headers := r.field()
	s.pub.Body = append([]byte(nil), r.field()...)
	s.pub.Persistent = true
	if exp := r.varint(); exp != 0 {
		s.expires = time.Unix(0, exp)
	}
	if r.err == nil && string(headers) != "null" {
		r.err = json.Unmarshal(headers, &s.pub.Headers)
	}
	return s, r.err
}

// reader decodes varint-framed fields and remembers the first error.
type reader struct {
	b   []byte
	err error
}

var errShort = errors.New("inproc: short record")

func (r *reader) uvarint() uint64 { return number(r, binary.Uvarint) }

func (r *reader) varint() int64 { return number(r, binary.Varint) }

// number reads one varint with read, which returns the value and its
// length (<= 0 when b does not hold one).
func number[T uint64 | int64](r *reader, read func([]byte) (T, int)) T {
	v, n := read(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) field() []byte {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	f := r.b[:n]
	r.b = r.b[n:]
	return f
}

func (r *reader) fail() {
	if r.err == nil {
		r.err = errShort
	}
	r.b = nil
}
