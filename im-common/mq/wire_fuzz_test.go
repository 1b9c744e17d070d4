package mq_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/mq"
)

// fuzzDecoder checks that dec never panics and that whatever it accepts
// (binary or JSON) re-encodes to a binary batch that decodes to the same
// items: encoding what was decoded is stable.
func fuzzDecoder[E any](f *testing.F, seeds [][]byte, enc func([]byte, []E) []byte, dec func([]byte) ([]E, error)) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := dec(body)
		if err != nil {
			return
		}
		once := enc(nil, items)
		again, err := dec(once)
		if err != nil {
			t.Fatalf("re-encoded batch does not decode: %v", err)
		}
		if twice := enc(nil, again); !bytes.Equal(once, twice) {
			t.Fatalf("round trip changed the batch:\n%x\n%x", once, twice)
		}
	})
}

func FuzzDecodeUplinks(f *testing.F) {
	ups := []mq.Uplink{{Version: 1, Command: command.MessageP2P, From: from, Broker: "gw-1", TraceID: "t", Time: 9, Payload: json.RawMessage(`{"a":1}`)}, {}}
	js, _ := json.Marshal(mq.UplinkBatch{Version: 1, Uplinks: ups[:1]})
	one, _ := json.Marshal(ups[0])
	fuzzDecoder(f, [][]byte{mq.AppendUplinks(nil, ups), mq.AppendUplinks(nil, nil), js, one}, mq.AppendUplinks, mq.DecodeUplinks)
}

func FuzzDecodePushes(f *testing.F) {
	ps := []mq.Push{{Version: 1, Command: command.MessageP2P, AppID: 3, To: []device.ID{from, {}}, ToID: "b", MessageID: "m", Data: json.RawMessage(`{}`), Close: true}, {}}
	js, _ := json.Marshal(mq.PushBatch{Version: 1, Pushes: ps[:1]})
	one, _ := json.Marshal(ps[0])
	fuzzDecoder(f, [][]byte{mq.AppendPushes(nil, ps), js, one}, mq.AppendPushes, mq.DecodePushes)
}

func FuzzDecodeStoreRecords(f *testing.F) {
	rs := []mq.StoreRecord{{Version: 1, Op: mq.OpInsert, Message: mq.Message{AppID: 1, Kind: mq.P2P, FromID: "a", Body: "hé", Seq: -3, Recalled: true}}, {}}
	js, _ := json.Marshal(mq.StoreBatch{Version: 1, Records: rs[:1]})
	one, _ := json.Marshal(rs[0])
	fuzzDecoder(f, [][]byte{mq.AppendStoreRecords(nil, rs), js, one}, mq.AppendStoreRecords, mq.DecodeStoreRecords)
}
