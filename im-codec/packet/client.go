package packet

import (
	"encoding/binary"
	"slices"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
)

// ClientHeaderSize is the length of the fixed uplink header.
const ClientHeaderSize = 28

// Client is an uplink packet, client to server. The IMEI and body lengths
// on the wire are derived from IMEI and Body.
type Client struct {
	Command command.Code
	Version uint32 // protocol version; clients send 1 and nobody checks it
	Device  device.Type
	Format  Format // body serialization; see Format.Supported
	AppID   uint32
	IMEI    string // the device id, UTF-8
	Body    []byte // a JSON object when Format is JSON
}

// Len returns the encoded length of p in bytes.
func (p Client) Len() int { return ClientHeaderSize + len(p.IMEI) + len(p.Body) }

// Append appends the frame of p to dst and returns the extended slice. It
// allocates only when dst lacks p.Len() bytes of spare capacity. Append does
// not apply Limits: that is the receiver's job.
func (p Client) Append(dst []byte) []byte {
	dst = slices.Grow(dst, p.Len())
	be := binary.BigEndian
	dst = be.AppendUint32(dst, uint32(p.Command))
	dst = be.AppendUint32(dst, p.Version)
	dst = be.AppendUint32(dst, uint32(p.Device))
	dst = be.AppendUint32(dst, uint32(p.Format))
	dst = be.AppendUint32(dst, p.AppID)
	dst = be.AppendUint32(dst, uint32(len(p.IMEI)))
	dst = be.AppendUint32(dst, uint32(len(p.Body)))
	dst = append(dst, p.IMEI...)
	return append(dst, p.Body...)
}

// ParseClient decodes frame, which must hold exactly one uplink packet, as a
// WebSocket binary message does. The returned Body aliases frame (with its
// capacity clipped, so appending to it never writes into frame); IMEI is a
// copy. That makes one allocation per packet, none for an empty IMEI. The
// caller must not reuse frame while Body is in use (gorilla/websocket's
// ReadMessage returns a fresh slice per message, which suits).
func ParseClient(frame []byte, lim Limits) (Client, error) {
	if len(frame) < ClientHeaderSize {
		return Client{}, &FrameError{Field: "header", Value: int64(len(frame)),
			Limit: ClientHeaderSize, Err: ErrShortHeader}
	}
	p, imeiLen, bodyLen, err := decodeClientHeader(frame, lim.orDefault())
	if err != nil {
		return Client{}, err
	}
	imeiEnd := ClientHeaderSize + imeiLen
	end := imeiEnd + bodyLen
	if err := checkSize(frame, ClientHeaderSize, imeiEnd, end); err != nil {
		return Client{}, err
	}
	p.IMEI = string(frame[ClientHeaderSize:imeiEnd])
	p.Body = clip(frame, imeiEnd, end)
	return p, nil
}

// decodeClientHeader reads the fixed fields of h and validates both lengths.
func decodeClientHeader(h []byte, lim Limits) (p Client, imeiLen, bodyLen int, err error) {
	be := binary.BigEndian
	p = Client{
		Command: command.Code(be.Uint32(h[0:])),
		Version: be.Uint32(h[4:]),
		Device:  device.Type(be.Uint32(h[8:])),
		Format:  Format(be.Uint32(h[12:])),
		AppID:   be.Uint32(h[16:]),
	}
	if imeiLen, err = checkLength("imeiLength", be.Uint32(h[20:]), lim.MaxIMEI, ErrIMEITooLong); err != nil {
		return Client{}, 0, 0, err
	}
	if bodyLen, err = checkLength("bodyLength", be.Uint32(h[24:]), lim.MaxBody, ErrBodyTooLarge); err != nil {
		return Client{}, 0, 0, err
	}
	return p, imeiLen, bodyLen, nil
}

// checkSize compares a whole frame with the size its header declares. The
// IMEI spans frame[imeiStart:imeiEnd] and the body frame[imeiEnd:end]; a
// truncation reports the bytes present and needed for the field it cut, as
// a Reader does.
func checkSize(frame []byte, imeiStart, imeiEnd, end int) error {
	switch n := len(frame); {
	case n < imeiEnd:
		return &FrameError{Field: "imei", Value: int64(n - imeiStart),
			Limit: int64(imeiEnd - imeiStart), Err: ErrTruncated}
	case n < end:
		return &FrameError{Field: "body", Value: int64(n - imeiEnd), Limit: int64(end - imeiEnd), Err: ErrTruncated}
	case n > end:
		return &FrameError{Field: "frame", Value: int64(n), Limit: int64(end), Err: ErrTrailingBytes}
	}
	return nil
}

// clip returns b[from:to] with no spare capacity, or nil when empty.
func clip(b []byte, from, to int) []byte {
	if from == to {
		return nil
	}
	return b[from:to:to]
}
