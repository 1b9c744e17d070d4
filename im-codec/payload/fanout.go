package payload

import (
	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/device"
)

// Fanout frames one event for many devices (a group message for every
// member online on a gateway): the envelopes differ only in the device
// fields, so the data is validated and compacted once, not once per device.
type Fanout struct {
	e    Envelope
	tail []byte // from the message id on; nil when the event needs encoding/json
}

// NewFanout prepares e for Append; its AppID, UserID, ClientType and IMEI
// are replaced by each device's.
func NewFanout(e Envelope) *Fanout {
	f := &Fanout{e: e}
	if plain(e.ToID) && plain(e.MessageID) {
		if tail, ok := appendTail(nil, &e); ok {
			f.tail = tail
		}
	}
	return f
}

// Append appends the frame of the event for device to, exactly as
// AppendEnvelope would. On error dst is returned unchanged.
func (f *Fanout) Append(dst []byte, to device.ID) ([]byte, error) {
	e := f.e
	e.AppID, e.UserID, e.ClientType, e.IMEI = to.AppID, to.UserID, to.Type, to.IMEI
	if f.tail == nil || !plain(e.UserID) || !plain(e.IMEI) {
		return AppendEnvelope(dst, e)
	}
	start := len(dst)
	out := appendHead(append(dst, make([]byte, packet.ServerHeaderSize)...), &e)
	return frame(append(out, f.tail...), start, e.Command)
}
