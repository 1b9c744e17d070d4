package payload

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
)

// Envelope is the JSON body of every downlink frame, on TCP and WebSocket
// alike (WhaleShark sent it on WebSocket only). UserID, ClientType and IMEI
// name the device session the frame is written to; ToID is the user the
// event is addressed to, normally the same user. Data is the event body,
// already encoded (see the package doc), and null when the event has none.
type Envelope struct {
	Command    command.Code    `json:"command"`
	AppID      uint32          `json:"appId"`
	UserID     string          `json:"userId"`
	ToID       string          `json:"toId"`
	ClientType device.Type     `json:"clientType"`
	IMEI       string          `json:"imei"`
	MessageID  string          `json:"messageId"`
	Data       json.RawMessage `json:"data"`
}

// ErrEnvelopeTooLarge means an envelope does not fit a frame's int32 length.
var ErrEnvelopeTooLarge = errors.New("envelope too large for a frame")

// AppendEnvelope appends a whole downlink frame for e to dst: the 8-byte
// header with e.Command, then e as compact JSON. The JSON is written
// straight after the header, with no intermediate copy, and the length is
// filled in afterwards. On error dst is returned unchanged. Data must be
// valid JSON; it is compacted but not otherwise changed, and <, > and & are
// not escaped (no HTML is involved).
func AppendEnvelope(dst []byte, e Envelope) ([]byte, error) {
	start := len(dst)
	w := appender{b: append(dst, make([]byte, packet.ServerHeaderSize)...)}
	enc := json.NewEncoder(&w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&e); err != nil {
		return dst[:start], fmt.Errorf("encode envelope %v: %w", e.Command, err)
	}
	out := w.b[:len(w.b)-1] // Encode ends with a newline
	n := len(out) - start - packet.ServerHeaderSize
	if n > math.MaxInt32 {
		return dst[:start], ErrEnvelopeTooLarge
	}
	binary.BigEndian.PutUint32(out[start:], uint32(e.Command))
	binary.BigEndian.PutUint32(out[start+4:], uint32(n))
	return out, nil
}

// appender is an io.Writer that appends to a slice.
type appender struct{ b []byte }

func (a *appender) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}
