package fault

import (
	"encoding/json"
	"io"
	"sync/atomic"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
)

// wireTap is told of every message push a gateway wrote to a device
// (user/IMEI), before the SDK dedups: the wire receives of the ledger.
type wireTap func(device, messageID string)

// tapConn decodes both directions of one proxied TCP client connection:
// the login names the device, the pushes name the messages.
type tapConn struct {
	tap    wireTap
	device atomic.Value // string, once the login passed
	up     *io.PipeWriter
	down   *io.PipeWriter
}

func newTapConn(tap wireTap) *tapConn {
	t := &tapConn{tap: tap}
	t.device.Store("")
	upR, upW := io.Pipe()
	downR, downW := io.Pipe()
	t.up, t.down = upW, downW
	go t.readLogins(upR)
	go t.readPushes(downR)
	return t
}

// close ends both decoders.
func (t *tapConn) close() {
	t.up.Close()
	t.down.Close()
}

func (t *tapConn) readLogins(r *io.PipeReader) {
	defer drain(r)
	pr := packet.NewReader(r, packet.DefaultLimits())
	for {
		p, err := pr.ReadClient()
		if err != nil {
			return
		}
		if p.Command != command.Login {
			continue
		}
		var l payload.Login
		if json.Unmarshal(p.Body, &l) == nil {
			t.device.Store(l.UserID + "/" + p.IMEI)
		}
	}
}

func (t *tapConn) readPushes(r *io.PipeReader) {
	defer drain(r)
	pr := packet.NewReader(r, packet.DefaultLimits())
	for {
		p, err := pr.ReadServer()
		if err != nil {
			return
		}
		if p.Command != command.MessageP2P && p.Command != command.GroupMessage {
			continue
		}
		var env payload.Envelope
		var m payload.Message
		if json.Unmarshal(p.Body, &env) == nil && json.Unmarshal(env.Data, &m) == nil && m.MessageID != "" {
			t.tap(t.device.Load().(string), m.MessageID)
		}
	}
}

// drain keeps reading after a decode error, so the proxy never blocks
// on the tap.
func drain(r *io.PipeReader) { _, _ = io.Copy(io.Discard, r) }
