package packet

// Defaults for Limits, from PROTOCOL.md. 64 KiB also matches what
// WhaleShark's WebSocket pipeline let through.
const (
	DefaultMaxIMEI = 128
	DefaultMaxBody = 64 << 10
)

// Limits bounds the lengths a decoder accepts. They are checked against the
// header before any memory is allocated for the frame. A field that is zero
// or negative means its default, so the zero Limits is DefaultLimits().
type Limits struct {
	MaxIMEI int // longest IMEI in bytes (uplink only)
	MaxBody int // longest body in bytes
}

// DefaultLimits returns the protocol's default limits: 128-byte IMEI,
// 64 KiB body.
func DefaultLimits() Limits {
	return Limits{MaxIMEI: DefaultMaxIMEI, MaxBody: DefaultMaxBody}
}

// orDefault replaces unset fields with their defaults.
func (l Limits) orDefault() Limits {
	if l.MaxIMEI <= 0 {
		l.MaxIMEI = DefaultMaxIMEI
	}
	if l.MaxBody <= 0 {
		l.MaxBody = DefaultMaxBody
	}
	return l
}
