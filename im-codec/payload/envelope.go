package payload

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

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
	out, ok := appendPlain(append(dst, make([]byte, packet.ServerHeaderSize)...), &e)
	if !ok {
		w := appender{b: append(dst[:start], make([]byte, packet.ServerHeaderSize)...)}
		enc := json.NewEncoder(&w)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(&e); err != nil {
			return dst[:start], fmt.Errorf("encode envelope %v: %w", e.Command, err)
		}
		out = w.b[:len(w.b)-1] // Encode ends with a newline
	}
	return frame(out, start, e.Command)
}

// frame fills in the header of the frame that starts at out[start:].
func frame(out []byte, start int, cmd command.Code) ([]byte, error) {
	n := len(out) - start - packet.ServerHeaderSize
	if n > math.MaxInt32 {
		return out[:start], ErrEnvelopeTooLarge
	}
	binary.BigEndian.PutUint32(out[start:], uint32(cmd))
	binary.BigEndian.PutUint32(out[start+4:], uint32(n))
	return out, nil
}

// appender is an io.Writer that appends to a slice.
type appender struct{ b []byte }

func (a *appender) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}

// appendPlain appends e as encoding/json would, for the common envelope
// whose strings need no escaping: every gateway push is framed here, and
// the reflective encoder, which scans Data twice, was a sixth of a
// gateway's CPU. It reports false, leaving the rest to encoding/json, for
// a string with a byte it would escape or rewrite, or invalid Data.
func appendPlain(b []byte, e *Envelope) ([]byte, bool) {
	if !plain(e.UserID) || !plain(e.ToID) || !plain(e.IMEI) || !plain(e.MessageID) {
		return b, false
	}
	return appendTail(appendHead(b, e), e)
}

// appendHead appends the fields of e up to the IMEI's value, which differ
// between the devices an event is written to; the strings must be plain.
func appendHead(b []byte, e *Envelope) []byte {
	b = append(b, `{"command":`...)
	b = strconv.AppendUint(b, uint64(e.Command), 10)
	b = append(b, `,"appId":`...)
	b = strconv.AppendUint(b, uint64(e.AppID), 10)
	b = append(append(append(b, `,"userId":"`...), e.UserID...), `","toId":"`...)
	b = append(append(b, e.ToID...), `","clientType":`...)
	b = strconv.AppendUint(b, uint64(e.ClientType), 10)
	return append(append(b, `,"imei":"`...), e.IMEI...)
}

// appendTail appends the rest: the message id (plain) and the data,
// validated and compacted in one pass; false when the data is invalid.
func appendTail(b []byte, e *Envelope) ([]byte, bool) {
	b = append(append(append(b, `","messageId":"`...), e.MessageID...), `","data":`...)
	if e.Data == nil {
		b = append(b, "null"...)
	} else {
		buf := bytes.NewBuffer(b)
		if json.Compact(buf, e.Data) != nil {
			return b, false
		}
		b = buf.Bytes()
	}
	return append(b, '}'), true
}

// plain reports whether encoding/json writes s as is between quotes
// (printable ASCII other than the quote and the backslash).
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
