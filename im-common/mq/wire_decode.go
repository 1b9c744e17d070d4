package mq

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
)

// ErrMalformed is returned for a binary batch that is truncated or
// inconsistent (a length past the end, a varint that overflows, bytes
// left over). Decoding never trusts a length further than the bytes that
// remain, so a hostile body cannot make it allocate more than a small
// multiple of its own size.
var ErrMalformed = errors.New("mq: malformed binary batch")

// Smallest encoded item of each kind (every field zero or empty), which
// bounds how many items a body of a given size can claim to hold.
const (
	minUplinkItem = 11 // meta length, 9 bytes of meta, payload length
	minPushItem   = 9  // meta length, 7 bytes of meta, data length
	minRecordItem = 16 // meta length, 15 bytes of meta
	minDevice     = 4
)

var kindNames = map[byte]string{kindUplinks: "uplink", kindPushes: "push", kindRecords: "store"}

// isBinary tells a binary batch from JSON, which never starts with magic.
func isBinary(body []byte) bool { return len(body) > 0 && body[0] == wireMagic }

// decodeBinary reads a batch of kind. item reads one item from its meta
// (m) and, for kinds with a raw payload, the body reader (r).
func decodeBinary[E any](body []byte, kind byte, minItem int, item func(m, r *reader, e *E)) ([]E, error) {
	if len(body) < 3 {
		return nil, fmt.Errorf("%w: %d-byte header", ErrMalformed, len(body))
	}
	if body[1] != wireFormat {
		return nil, fmt.Errorf("%w: binary format %d", ErrVersion, body[1])
	}
	if body[2] != kind {
		return nil, fmt.Errorf("%w: a %q batch where a %s batch belongs", ErrMalformed, body[2], kindNames[kind])
	}
	r := reader{b: body, off: 3}
	if v := r.uvarint(); r.err == nil && v != Version {
		return nil, fmt.Errorf("%w %d", ErrVersion, v)
	}
	n := r.uvarint()
	if r.err == nil && n > uint64(r.left()/minItem) {
		r.fail("%d items in %d bytes", n, r.left())
	}
	if r.err != nil {
		return nil, r.err
	}
	items := make([]E, n)
	var m reader // one for all items: item's signature makes it escape
	for i := range items {
		meta := r.next(r.length())
		if r.err != nil {
			return nil, fmt.Errorf("item %d: %w", i, r.err)
		}
		m = reader{b: meta, arena: string(meta)}
		item(&m, &r, &items[i])
		if m.err == nil && m.left() != 0 {
			m.fail("%d bytes left in item", m.left())
		}
		if err := errors.Join(m.err, r.err); err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
	}
	if r.left() != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last item", ErrMalformed, r.left())
	}
	return items, nil
}

func readUplink(m, r *reader, u *Uplink) {
	u.Version = m.int()
	u.Command = command.Code(m.uint32())
	readDevice(m, &u.From)
	u.Broker = m.str()
	u.TraceID = m.str()
	u.Time = m.varint()
	u.Payload = r.raw()
}

func readPush(m, r *reader, p *Push) {
	p.Version = m.int()
	p.Command = command.Code(m.uint32())
	p.AppID = m.uint32()
	if n := m.uvarint(); n > uint64(m.left()/minDevice) {
		m.fail("%d targets in %d bytes", n, m.left())
	} else if n > 0 {
		p.To = make([]device.ID, n)
		for i := range p.To {
			readDevice(m, &p.To[i])
		}
	}
	p.ToID = m.str()
	p.MessageID = m.str()
	p.Close = m.bool()
	p.Data = r.raw()
}

func readRecord(m, _ *reader, rec *StoreRecord) {
	msg := &rec.Message
	rec.Version = m.int()
	rec.Op = StoreOp(m.str())
	msg.AppID = m.uint32()
	msg.Kind = ConversationKind(m.str())
	msg.ConversationID = m.str()
	msg.FromID = m.str()
	msg.ToID = m.str()
	msg.GroupID = m.str()
	msg.MessageID = m.str()
	msg.MessageKey = m.varint()
	msg.Seq = m.varint()
	msg.Body = m.str()
	msg.Extra = m.str()
	msg.Time = m.varint()
	msg.Recalled = m.bool()
	if m.left() > 0 {
		msg.Edited = m.varint()
	}
}

func readDevice(m *reader, d *device.ID) {
	d.AppID = m.uint32()
	d.UserID = m.str()
	d.Type = device.Type(m.uint32())
	d.IMEI = m.str()
}

// reader walks b; the first error sticks and every later read returns
// zero, so the item readers stay straight-line code. Strings are sliced
// from arena, one copy of b made by the caller, so an item costs one
// allocation for all of its strings.
type reader struct {
	b     []byte
	off   int
	arena string
	err   error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
	}
}

func (r *reader) left() int { return len(r.b) - r.off }

func (r *reader) uvarint() uint64 { return readVarint(r, binary.Uvarint) }
func (r *reader) varint() int64   { return readVarint(r, binary.Varint) }

// readVarint reads one varint with read (binary.Uvarint or Varint).
func readVarint[T uint64 | int64](r *reader, read func([]byte) (T, int)) T {
	if r.err != nil {
		return 0
	}
	v, n := read(r.b[r.off:])
	if n <= 0 {
		r.fail("bad varint at byte %d", r.off)
		return 0
	}
	r.off += n
	return v
}

func (r *reader) int() int {
	v := r.varint()
	if int64(int(v)) != v {
		r.fail("%d overflows int", v)
		return 0
	}
	return int(v)
}

func (r *reader) uint32() uint32 {
	v := r.uvarint()
	if v > math.MaxUint32 {
		r.fail("%d overflows uint32", v)
		return 0
	}
	return uint32(v)
}

// length reads a length and checks it against the bytes that remain.
func (r *reader) length() int {
	n := r.uvarint()
	if n > uint64(r.left()) {
		r.fail("length %d past the end (%d left)", n, r.left())
		return 0
	}
	return int(n)
}

// next returns the following n bytes, capped so that appending to them
// cannot overwrite what comes after.
func (r *reader) next(n int) []byte {
	if r.err != nil {
		return nil
	}
	p := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return p
}

// raw reads a length-prefixed opaque payload without copying it: it
// aliases the body (empty: nil).
func (r *reader) raw() []byte {
	p := r.next(r.length())
	if len(p) == 0 {
		return nil
	}
	return p
}

func (r *reader) str() string {
	n := r.length()
	if r.err != nil || n == 0 {
		return ""
	}
	s := r.arena[r.off : r.off+n]
	r.off += n
	return s
}

func (r *reader) bool() bool {
	if r.err != nil {
		return false
	}
	if r.left() == 0 || r.b[r.off] > 1 {
		r.fail("bad bool at byte %d", r.off)
		return false
	}
	r.off++
	return r.b[r.off-1] == 1
}
