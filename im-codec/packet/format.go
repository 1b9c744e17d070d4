package packet

import "strconv"

// Format is the body serialization named by the uplink messageType field.
type Format uint32

// Body formats as WhaleShark declares them. Only JSON is implemented.
const (
	JSON     Format = 0
	Protobuf Format = 1
	XML      Format = 2
)

// Supported reports whether bodies in format f can be decoded. The parsers
// accept every format; the gateway refuses unsupported ones with
// errcode.UnsupportedFormat.
func (f Format) Supported() bool { return f == JSON }

// String returns the lowercase name of f, or its number when f is unknown.
func (f Format) String() string {
	switch f {
	case JSON:
		return "json"
	case Protobuf:
		return "protobuf"
	case XML:
		return "xml"
	}
	return "format(" + strconv.FormatUint(uint64(f), 10) + ")"
}
