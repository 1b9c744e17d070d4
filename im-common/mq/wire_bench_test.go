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
// is the point (go test -bench Batch -benchmem ./im-common/mq).
func BenchmarkUplinkBatch(b *testing.B) {
	ups := benchUplinks()
	js, _ := json.Marshal(mq.UplinkBatch{Version: mq.Version, Uplinks: ups})
	bin := mq.AppendUplinks(nil, ups)
	benchCodec(b, len(js), len(bin),
		func() { _, _ = json.Marshal(mq.UplinkBatch{Version: mq.Version, Uplinks: ups}) },
		func() { _ = mq.AppendUplinks(nil, ups) },
		func() error { _, err := mq.DecodeUplinks(js); return err },
		func() error { _, err := mq.DecodeUplinks(bin); return err })
}

// BenchmarkPushBatch is BenchmarkUplinkBatch for a downlink batch.
func BenchmarkPushBatch(b *testing.B) {
	ps := benchPushes()
	js, _ := json.Marshal(mq.PushBatch{Version: mq.Version, Pushes: ps})
	bin := mq.AppendPushes(nil, ps)
	benchCodec(b, len(js), len(bin),
		func() { _, _ = json.Marshal(mq.PushBatch{Version: mq.Version, Pushes: ps}) },
		func() { _ = mq.AppendPushes(nil, ps) },
		func() error { _, err := mq.DecodePushes(js); return err },
		func() error { _, err := mq.DecodePushes(bin); return err })
}

func benchCodec(b *testing.B, jsonSize, binSize int, encJSON, encBin func(), decJSON, decBin func() error) {
	for _, bb := range []struct {
		name string
		size int
		enc  func()
		dec  func() error
	}{{"json", jsonSize, encJSON, decJSON}, {"binary", binSize, encBin, decBin}} {
		b.Run("encode/"+bb.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(bb.size))
			for b.Loop() {
				bb.enc()
			}
		})
		b.Run("decode/"+bb.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(bb.size))
			for b.Loop() {
				if err := bb.dec(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
