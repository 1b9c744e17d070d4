package mq_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/golden"
	"github.com/whaleim/whaleim/im-common/mq"
)

// fill sets every field of v, recursively, to a random non-zero value, and
// fails on a kind it does not know: a field added to an envelope is filled
// here without a change, so a round trip that drops it fails.
func fill(t testing.TB, rnd *rand.Rand, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			fill(t, rnd, v.Field(i))
		}
	case reflect.String:
		b := make([]byte, 1+rnd.IntN(300)) // over 127 bytes sometimes: longer length prefixes
		for i := range b {
			b[i] = byte(rnd.UintN(256))
		}
		v.SetString(string(b))
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(rnd.Int64N(1<<62) - 1<<61 | 1)
	case reflect.Uint8, reflect.Uint32, reflect.Uint64, reflect.Uint:
		v.SetUint(rnd.Uint64N(uint64(1)<<(v.Type().Bits()-1)) | 1)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		n := 1 + rnd.IntN(3)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range s.Len() {
			fill(t, rnd, s.Index(i))
		}
		v.Set(s)
	default:
		t.Fatalf("fill: no rule for a %s (%s): teach fill and the binary format", v.Kind(), v.Type())
	}
}

func filled[E any](t testing.TB, rnd *rand.Rand, n int) []E {
	items := make([]E, n)
	for i := range items {
		fill(t, rnd, reflect.ValueOf(&items[i]).Elem())
	}
	return items
}

// Every field of every envelope survives the binary round trip.
func TestBinary_EveryFieldRoundTrips(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		roundTrip(t, filled[mq.Uplink](t, rnd, 1+rnd.IntN(5)), mq.AppendUplinks, mq.DecodeUplinks)
		roundTrip(t, filled[mq.Push](t, rnd, 1+rnd.IntN(5)), mq.AppendPushes, mq.DecodePushes)
		roundTrip(t, filled[mq.StoreRecord](t, rnd, 1+rnd.IntN(5)), mq.AppendStoreRecords, mq.DecodeStoreRecords)
	}
	// A batch is its version and its items; a new batch field needs a
	// place in the format too.
	for _, b := range []any{mq.UplinkBatch{}, mq.PushBatch{}, mq.StoreBatch{}} {
		if n := reflect.TypeOf(b).NumField(); n != 2 {
			t.Errorf("%T has %d fields; the binary format carries 2", b, n)
		}
	}
}

func roundTrip[E any](t *testing.T, items []E, enc func([]byte, []E) []byte, dec func([]byte) ([]E, error)) {
	t.Helper()
	prefix := []byte("kept")
	body := enc(prefix, items)
	if !bytes.HasPrefix(body, prefix) {
		t.Fatalf("%T: encoding overwrote the buffer", items)
	}
	got, err := dec(body[len(prefix):])
	if err != nil {
		t.Fatalf("%T: %v", items, err)
	}
	if !reflect.DeepEqual(got, items) {
		t.Fatalf("%T round trip:\n got %+v\nwant %+v", items, got, items)
	}
}

func TestBinary_RoundTrips(t *testing.T) {
	big := strings.Repeat("é", 9000) // 18,000 bytes: a 3-byte meta length
	tests := []struct {
		name    string
		uplinks []mq.Uplink
		pushes  []mq.Push
		records []mq.StoreRecord
	}{
		{name: "empty batches", uplinks: []mq.Uplink{}, pushes: []mq.Push{}, records: []mq.StoreRecord{}},
		{name: "zero items", uplinks: make([]mq.Uplink, 3), pushes: make([]mq.Push, 3), records: make([]mq.StoreRecord, 3)},
		{
			name:    "typical",
			uplinks: []mq.Uplink{{Version: 1, Command: command.MessageP2P, From: from, Broker: "gw-1", Time: 1, Payload: json.RawMessage(`{"a":1}`)}},
			pushes: []mq.Push{
				{Version: 1, Command: command.MessageP2P, AppID: 7, To: []device.ID{from, from}, Data: json.RawMessage(`{}`)},
				{Version: 1, Command: command.MutualLogin, Close: true},
			},
			records: []mq.StoreRecord{{Version: 1, Op: mq.OpRecall, Message: mq.Message{Seq: -1, Recalled: true}}},
		},
		{
			name: "edit with its version, then a record without one", uplinks: []mq.Uplink{}, pushes: []mq.Push{},
			records: []mq.StoreRecord{{Version: 1, Op: mq.OpEdit, Message: mq.Message{Seq: 4, Body: "fixed", Edited: 1764000000123}},
				{Version: 1, Op: mq.OpInsert, Message: mq.Message{Seq: 5}}},
		},
		{
			name:    "long fields",
			uplinks: []mq.Uplink{{TraceID: big, Payload: json.RawMessage(big)}},
			pushes:  []mq.Push{{ToID: big, Data: json.RawMessage(big)}},
			records: []mq.StoreRecord{{Message: mq.Message{Body: big, Extra: big[:200]}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			roundTrip(t, tt.uplinks, mq.AppendUplinks, mq.DecodeUplinks)
			roundTrip(t, tt.pushes, mq.AppendPushes, mq.DecodePushes)
			roundTrip(t, tt.records, mq.AppendStoreRecords, mq.DecodeStoreRecords)
		})
	}
}

// The same items decode alike from JSON (what older nodes publish) and
// from the binary format.
func TestBinary_MatchesJSON(t *testing.T) {
	ups := []mq.Uplink{{Version: 1, Command: command.MessageP2P, From: from, Broker: "gw-1", TraceID: "t", Time: 5, Payload: json.RawMessage(`{"messageId":"m-1"}`)}}
	js, _ := json.Marshal(mq.UplinkBatch{Version: mq.Version, Uplinks: ups})
	one, _ := json.Marshal(ups[0])
	for _, body := range [][]byte{js, one, mq.AppendUplinks(nil, ups)} {
		got, err := mq.DecodeUplinks(body)
		if err != nil || !reflect.DeepEqual(got, ups) {
			t.Errorf("%q: got %+v, %v", body, got, err)
		}
	}
}

// A binary body that is cut short, inconsistent or hostile is an error,
// never a panic, and never a large allocation.
func TestBinary_Malformed(t *testing.T) {
	valid := mq.AppendUplinks(nil, []mq.Uplink{{Version: 1, From: from, Broker: "gw-1", Payload: json.RawMessage(`{}`)}})
	tests := []struct {
		name string
		body []byte
		want error
	}{
		{"magic only", []byte{0xF7}, mq.ErrMalformed},
		{"unknown format", []byte{0xF7, 9, 'U', 1, 0}, mq.ErrVersion},
		{"push batch as uplinks", mq.AppendPushes(nil, []mq.Push{{}}), mq.ErrMalformed},
		{"unknown version", []byte{0xF7, 1, 'U', 2, 0}, mq.ErrVersion},
		{"no count", []byte{0xF7, 1, 'U', 1}, mq.ErrMalformed},
		{"count beyond the body", []byte{0xF7, 1, 'U', 1, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, mq.ErrMalformed},
		{"overflowing varint", append([]byte{0xF7, 1, 'U', 1}, bytes.Repeat([]byte{0xFF}, 11)...), mq.ErrMalformed},
		{"meta past the end", []byte{0xF7, 1, 'U', 1, 1, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, mq.ErrMalformed},
		{"string past its item", []byte{0xF7, 1, 'U', 1, 1, 9, 2, 0, 0, 9, 0, 0, 0, 0, 0, 0}, mq.ErrMalformed},
		{"uint32 overflow", []byte{0xF7, 1, 'U', 1, 1, 13, 2, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 0, 0, 0, 0, 0, 0, 0}, mq.ErrMalformed},
		{"bytes left in item", []byte{0xF7, 1, 'U', 1, 1, 10, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, mq.ErrMalformed},
		{"bytes after the last item", append(bytes.Clone(valid), 0), mq.ErrMalformed},
	}
	for _, tt := range tests {
		if got, err := mq.DecodeUplinks(tt.body); !errors.Is(err, tt.want) || got != nil {
			t.Errorf("%s: got %d uplinks, err %v; want %v", tt.name, len(got), err, tt.want)
		}
	}
	badBool := mq.AppendPushes(nil, []mq.Push{{}})
	badBool[len(badBool)-2] = 2 // Close, the last byte of meta
	if _, err := mq.DecodePushes(badBool); !errors.Is(err, mq.ErrMalformed) {
		t.Errorf("bool 2: %v", err)
	}
	hostile := []byte{0xF7, 1, 'P', 1, 1, 10, 2, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0, 0, 0, 0}
	if _, err := mq.DecodePushes(hostile); !errors.Is(err, mq.ErrMalformed) {
		t.Errorf("4 billion targets: %v", err)
	}
	for _, body := range [][]byte{valid, mq.AppendPushes(nil, []mq.Push{{To: []device.ID{from}}}), mq.AppendStoreRecords(nil, []mq.StoreRecord{{}})} {
		for n := range len(body) { // every truncation
			_, errU := mq.DecodeUplinks(body[:n])
			_, errP := mq.DecodePushes(body[:n])
			_, errS := mq.DecodeStoreRecords(body[:n])
			if errU == nil || errP == nil || errS == nil {
				t.Errorf("%x cut at %d decoded: %v %v %v", body, n, errU, errP, errS)
			}
		}
	}
}

// The binary batches are pinned byte for byte; what the files hold decodes
// to the items they were made from.
func TestBinary_Golden(t *testing.T) {
	ups := []mq.Uplink{{
		Version: mq.Version, Command: command.MessageP2P, From: from, Broker: "gw-1", TraceID: "t-1", Time: 1764000000000,
		Payload: json.RawMessage(`{"messageId":"m-1","toId":"bob","messageBody":"hi"}`),
	}}
	pushes := []mq.Push{
		{Version: mq.Version, Command: command.MessageP2P, AppID: 10000, ToID: "bob", MessageID: "m-1",
			To:   []device.ID{{AppID: 10000, UserID: "bob", Type: device.IOS, IMEI: "imei-b1"}},
			Data: json.RawMessage(`{"messageBody":"hi","messageSequence":7}`)},
		{Version: mq.Version, Command: command.MutualLogin, AppID: 10000, To: []device.ID{from}, Data: json.RawMessage(`null`), Close: true},
	}
	recs := []mq.StoreRecord{{Version: mq.Version, Op: mq.OpInsert, Message: mq.Message{
		AppID: 10000, Kind: mq.P2P, ConversationID: mq.P2PConversation("alice", "bob"),
		FromID: "alice", ToID: "bob", MessageID: "m-1", MessageKey: 88, Seq: 7, Body: "hi", Time: 1764000000000,
	}}}
	if got, err := mq.DecodeUplinks(golden.Bytes(t, *update, "uplink_batch", mq.AppendUplinks(nil, ups))); err != nil || !reflect.DeepEqual(got, ups) {
		t.Errorf("uplink_batch decodes to %+v, %v", got, err)
	}
	if got, err := mq.DecodePushes(golden.Bytes(t, *update, "push_batch", mq.AppendPushes(nil, pushes))); err != nil || !reflect.DeepEqual(got, pushes) {
		t.Errorf("push_batch decodes to %+v, %v", got, err)
	}
	if got, err := mq.DecodeStoreRecords(golden.Bytes(t, *update, "store_batch", mq.AppendStoreRecords(nil, recs))); err != nil || !reflect.DeepEqual(got, recs) {
		t.Errorf("store_batch decodes to %+v, %v", got, err)
	}
}
