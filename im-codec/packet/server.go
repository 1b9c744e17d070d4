package packet

import (
	"encoding/binary"
	"slices"

	"github.com/whaleim/whaleim/im-common/command"
)

// ServerHeaderSize is the length of the fixed downlink header.
const ServerHeaderSize = 8

// Server is a downlink packet, server to client. Body is the JSON envelope
// (see the payload package); its length on the wire is derived from it.
type Server struct {
	Command command.Code
	Body    []byte
}

// Len returns the encoded length of p in bytes.
func (p Server) Len() int { return ServerHeaderSize + len(p.Body) }

// Append appends the frame of p to dst and returns the extended slice. It
// allocates only when dst lacks p.Len() bytes of spare capacity.
func (p Server) Append(dst []byte) []byte {
	dst = slices.Grow(dst, p.Len())
	dst = binary.BigEndian.AppendUint32(dst, uint32(p.Command))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(p.Body)))
	return append(dst, p.Body...)
}

// ParseServer decodes frame, which must hold exactly one downlink packet.
// The returned Body aliases frame with its capacity clipped; ParseServer
// does not allocate.
func ParseServer(frame []byte, lim Limits) (Server, error) {
	if len(frame) < ServerHeaderSize {
		return Server{}, &FrameError{Field: "header", Value: int64(len(frame)),
			Limit: ServerHeaderSize, Err: ErrShortHeader}
	}
	p, bodyLen, err := decodeServerHeader(frame, lim.orDefault())
	if err != nil {
		return Server{}, err
	}
	end := ServerHeaderSize + bodyLen
	if err := checkSize(frame, ServerHeaderSize, ServerHeaderSize, end); err != nil {
		return Server{}, err
	}
	p.Body = clip(frame, ServerHeaderSize, end)
	return p, nil
}

// decodeServerHeader reads the command and validates the length.
func decodeServerHeader(h []byte, lim Limits) (Server, int, error) {
	n, err := checkLength("bodyLength", binary.BigEndian.Uint32(h[4:]), lim.MaxBody, ErrBodyTooLarge)
	if err != nil {
		return Server{}, 0, err
	}
	return Server{Command: command.Code(binary.BigEndian.Uint32(h))}, n, nil
}
