package mq

import (
	"encoding/binary"
	"slices"

	"github.com/whaleim/whaleim/im-common/device"
)

// The binary batch format. encoding/json was ~40 % of the domain's CPU and
// a quarter of the gateway's on the message path, so the batches travel in
// a compact length-prefixed form instead; the Decode functions still read
// the JSON shapes, so a queue holding messages of an older node drains.
//
//	body   = magic format kind uvarint(Version) uvarint(count) item*count
//	item   = uvarint(len(meta)) meta [bytes(raw)]   (raw: Uplink.Payload, Push.Data)
//	bytes  = uvarint(len) len bytes                 (strings too)
//	bool   = one byte, 0 or 1
//
// magic (0xF7) is never the first byte of JSON, which is how the decoders
// tell the two apart. format changes with the layout, kind says which
// batch it is. meta holds every field but the opaque JSON payload, in the
// order the append functions below write them; integers are varints
// (zig-zag for signed types). Keeping meta apart lets the decoder copy an
// item's strings with one allocation and hand out the payload without a
// copy. testdata/*.golden.hex pin the bytes.
const (
	wireMagic  = 0xF7
	wireFormat = 1

	kindUplinks = 'U'
	kindPushes  = 'P'
	kindRecords = 'S'
)

// AppendUplinks appends ups as one binary uplink batch (what the gateway
// publishes to an uplink shard) to dst and returns the extended buffer.
// DecodeUplinks reads it back.
func AppendUplinks(dst []byte, ups []Uplink) []byte {
	return appendBatch(dst, kindUplinks, ups, appendUplink)
}

// AppendPushes appends ps as one binary push batch (what the domain
// publishes to a gateway's downlink queue) to dst and returns the extended
// buffer. DecodePushes reads it back.
func AppendPushes(dst []byte, ps []Push) []byte {
	return appendBatch(dst, kindPushes, ps, appendPush)
}

// AppendStoreRecords appends recs as one binary store batch (what the
// domain publishes to the store) to dst and returns the extended buffer.
// DecodeStoreRecords reads it back.
func AppendStoreRecords(dst []byte, recs []StoreRecord) []byte {
	return appendBatch(dst, kindRecords, recs, appendRecord)
}

// appendBatch writes the header and every item; item appends one item's
// meta and returns its raw payload, if the kind carries one.
func appendBatch[E any](dst []byte, kind byte, items []E, item func([]byte, *E) ([]byte, []byte, bool)) []byte {
	dst = append(dst, wireMagic, wireFormat, kind)
	dst = binary.AppendUvarint(dst, Version)
	dst = binary.AppendUvarint(dst, uint64(len(items)))
	for i := range items {
		start := len(dst)
		dst = append(dst, 0) // meta length, fixed below
		var raw []byte
		var hasRaw bool
		dst, raw, hasRaw = item(dst, &items[i])
		dst = prefixLen(dst, start)
		if hasRaw {
			dst = appendBytes(dst, raw)
		}
		if i == 0 { // items of a batch are alike: size the buffer once
			dst = slices.Grow(dst, (len(dst)-start)*(len(items)-1)*9/8)
		}
	}
	return dst
}

// prefixLen turns the one placeholder byte at dst[start] into the uvarint
// length of what follows it, moving the bytes when the length needs more
// than one byte (meta over 127 bytes).
func prefixLen(dst []byte, start int) []byte {
	n := len(dst) - start - 1
	if n < 0x80 {
		dst[start] = byte(n)
		return dst
	}
	var tmp [binary.MaxVarintLen64]byte
	k := binary.PutUvarint(tmp[:], uint64(n))
	dst = append(dst, tmp[:k-1]...) // room for the longer prefix
	copy(dst[start+k:], dst[start+1:start+1+n])
	copy(dst[start:], tmp[:k])
	return dst
}

func appendUplink(b []byte, u *Uplink) ([]byte, []byte, bool) {
	b = binary.AppendVarint(b, int64(u.Version))
	b = binary.AppendUvarint(b, uint64(u.Command))
	b = appendDevice(b, &u.From)
	b = appendString(b, u.Broker)
	b = appendString(b, u.TraceID)
	b = binary.AppendVarint(b, u.Time)
	return b, u.Payload, true
}

func appendPush(b []byte, p *Push) ([]byte, []byte, bool) {
	b = binary.AppendVarint(b, int64(p.Version))
	b = binary.AppendUvarint(b, uint64(p.Command))
	b = binary.AppendUvarint(b, uint64(p.AppID))
	b = binary.AppendUvarint(b, uint64(len(p.To)))
	for i := range p.To {
		b = appendDevice(b, &p.To[i])
	}
	b = appendString(b, p.ToID)
	b = appendString(b, p.MessageID)
	b = appendBool(b, p.Close)
	return b, p.Data, true
}

func appendRecord(b []byte, r *StoreRecord) ([]byte, []byte, bool) {
	m := &r.Message
	b = binary.AppendVarint(b, int64(r.Version))
	b = appendString(b, string(r.Op))
	b = binary.AppendUvarint(b, uint64(m.AppID))
	b = appendString(b, string(m.Kind))
	b = appendString(b, m.ConversationID)
	b = appendString(b, m.FromID)
	b = appendString(b, m.ToID)
	b = appendString(b, m.GroupID)
	b = appendString(b, m.MessageID)
	b = binary.AppendVarint(b, m.MessageKey)
	b = binary.AppendVarint(b, m.Seq)
	b = appendString(b, m.Body)
	b = appendString(b, m.Extra)
	b = binary.AppendVarint(b, m.Time)
	b = appendBool(b, m.Recalled)
	if m.Edited != 0 { // optional trailing field: records without it keep format 1's bytes
		b = binary.AppendVarint(b, m.Edited)
	}
	return b, nil, false
}

func appendDevice(b []byte, d *device.ID) []byte {
	b = binary.AppendUvarint(b, uint64(d.AppID))
	b = appendString(b, d.UserID)
	b = binary.AppendUvarint(b, uint64(d.Type))
	return appendString(b, d.IMEI)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBytes(b, p []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(p)))
	return append(b, p...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}
