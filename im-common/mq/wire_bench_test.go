package mq_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/mq"
)

// A full batch as the pipeline sees it under load: 256 chat messages.
const benchBatch = 256

func benchUplinks() []mq.Uplink {
	ups := make([]mq.Uplink, benchBatch)
	for i := range ups {
		id := strconv.Itoa(i)
		ups[i] = mq.Uplink{Version: mq.Version, Command: command.MessageP2P, Broker: "gw-1", TraceID: "trace-" + id, Time: 1764000000000 + int64(i),
			From:    device.ID{AppID: 10000, UserID: "sender-" + id, Type: device.Android, IMEI: "imei-" + id},
			Payload: json.RawMessage(`{"messageId":"m-` + id + `","toId":"receiver-` + id + `","messageBody":"hello there, this is a typical short chat message"}`)}
	}
	return ups
}

func benchPushes() []mq.Push {
	ps := make([]mq.Push, benchBatch)
	for i := range ps {
		id := strconv.Itoa(i)
		ps[i] = mq.Push{Version: mq.Version, Command: command.MessageP2P, AppID: 10000, ToID: "receiver-" + id, MessageID: "m-" + id,
			To:   []device.ID{{AppID: 10000, UserID: "receiver-" + id, Type: device.IOS, IMEI: "imei-r" + id}},
			Data: json.RawMessage(`{"messageId":"m-` + id + `","fromId":"sender-` + id + `","toId":"receiver-` + id + `","messageBody":"hello there, this is a typical short chat message","messageKey":123456789012345,"messageSequence":7,"messageTime":1764000000123}`)}
	}
	return ps
}

// Encode and decode, encoding/json against the binary format: the ratio
// is the point (go test -run X -bench Batch -benchmem ./im-common/mq).
func BenchmarkUplinkBatch(b *testing.B) {
	ups := benchUplinks()
	benchCodec(b, mq.UplinkBatch{Version: mq.Version, Uplinks: ups}, ups, mq.AppendUplinks, mq.DecodeUplinks)
}

// BenchmarkPushBatch is BenchmarkUplinkBatch for a downlink batch.
func BenchmarkPushBatch(b *testing.B) {
	ps := benchPushes()
	benchCodec(b, mq.PushBatch{Version: mq.Version, Pushes: ps}, ps, mq.AppendPushes, mq.DecodePushes)
}

// benchCodec measures batch (the JSON shape) against items in binary.
func benchCodec[E any](b *testing.B, batch any, items []E, enc func([]byte, []E) []byte, dec func([]byte) ([]E, error)) {
	js, _ := json.Marshal(batch)
	bin := enc(nil, items)
	for _, bb := range []struct {
		name string
		body []byte
		enc  func()
	}{
		{"json", js, func() { _, _ = json.Marshal(batch) }},
		{"binary", bin, func() { _ = enc(nil, items) }},
	} {
		b.Run("encode/"+bb.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bb.body)))
			for b.Loop() {
				bb.enc()
			}
		})
		b.Run("decode/"+bb.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bb.body)))
			for b.Loop() {
				if _, err := dec(bb.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
