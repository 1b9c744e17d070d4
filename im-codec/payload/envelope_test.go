package payload_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
)

// TestAppendEnvelope_GoldenVectors re-encodes every downlink frame of the
// shared wire vectors: decode the envelope, encode it again, expect the very
// same bytes. The data is also decoded into its typed body and re-encoded,
// which pins the key order of those types to the vectors.
func TestAppendEnvelope_GoldenVectors(t *testing.T) {
	b, err := os.ReadFile("../packet/testdata/golden/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []struct{ Name, Direction, Hex string }
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Direction != "downlink" {
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			frame, _ := hex.DecodeString(v.Hex)
			p, err := packet.ParseServer(frame, packet.DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			var e payload.Envelope
			if err := json.Unmarshal(p.Body, &e); err != nil {
				t.Fatal(err)
			}
			if e.Command != p.Command {
				t.Errorf("envelope command %v, header %v", e.Command, p.Command)
			}
			got, err := payload.AppendEnvelope(nil, e)
			if err != nil || !bytes.Equal(got, frame) {
				t.Errorf("AppendEnvelope: %v\n got %s\nwant %s", err, got[8:], frame[8:])
			}
			checkTypedData(t, e)
		})
	}
}

func checkTypedData(t *testing.T, e payload.Envelope) {
	t.Helper()
	var v any
	switch e.Command {
	case command.LoginAck:
		v = new(payload.LoginAck)
	case command.MessageAck, command.GroupMessageAck:
		v = new(payload.MessageAck)
	case command.MessageP2P, command.GroupMessage:
		v = new(payload.Message)
	case command.Ping:
		v = new(payload.Pong)
	default:
		t.Fatalf("no typed body for %v", e.Command)
	}
	dec := json.NewDecoder(bytes.NewReader(e.Data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatal(err)
	}
	if again, err := json.Marshal(v); err != nil || !bytes.Equal(again, e.Data) {
		t.Errorf("typed data re-encodes to %s, want %s (%v)", again, e.Data, err)
	}
}

func TestAppendEnvelope(t *testing.T) {
	e := payload.Envelope{Command: command.MutualLogin, AppID: 1, UserID: "u", ToID: "u",
		ClientType: device.Web, IMEI: "w"}
	const body = `{"command":9002,"appId":1,"userId":"u","toId":"u","clientType":1,"imei":"w","messageId":"","data":null}`
	tests := []struct {
		name string
		data json.RawMessage
		want string
	}{
		{"nil data is null", nil, body},
		{"data is compacted", json.RawMessage("{ \"a\" : [1, 2] }"),
			`{"command":9002,"appId":1,"userId":"u","toId":"u","clientType":1,"imei":"w","messageId":"","data":{"a":[1,2]}}`},
		{"no html escaping", json.RawMessage(`{"m":"a<b&c"}`),
			`{"command":9002,"appId":1,"userId":"u","toId":"u","clientType":1,"imei":"w","messageId":"","data":{"m":"a<b&c"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e
			e.Data = tt.data
			got, err := payload.AppendEnvelope([]byte("prefix"), e)
			want := packet.Server{Command: e.Command, Body: []byte(tt.want)}.Append([]byte("prefix"))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("got %q (%v)\nwant %q", got, err, want)
			}
		})
	}
}

func TestAppendEnvelope_InvalidData(t *testing.T) {
	dst := []byte("keep")
	got, err := payload.AppendEnvelope(dst, payload.Envelope{Command: command.MessageP2P, Data: json.RawMessage("{oops")})
	if err == nil {
		t.Fatal("invalid data accepted")
	}
	if string(got) != "keep" {
		t.Errorf("dst changed to %q", got)
	}
}

func BenchmarkAppendEnvelope(b *testing.B) {
	e := payload.Envelope{Command: command.MessageP2P, AppID: 10000, UserID: "bob", ToID: "bob",
		ClientType: device.Android, IMEI: "android-0002", MessageID: msgID,
		Data: json.RawMessage(`{"messageId":"` + msgID + `","fromId":"alice","toId":"bob","messageBody":"hi there","messageKey":123456789012345,"messageSequence":7,"messageTime":1764000000123}`)}
	buf, _ := payload.AppendEnvelope(nil, e)
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		buf, _ = payload.AppendEnvelope(buf[:0], e)
	}
}

// The gateway frames a push from the domain for one device session.
func ExampleAppendEnvelope() {
	data, _ := json.Marshal(payload.Pong{Time: 1764000000000})
	frame, err := payload.AppendEnvelope(nil, payload.Envelope{Command: command.Ping, AppID: 10000,
		UserID: "alice", ToID: "alice", ClientType: device.Web, IMEI: "web-1", Data: data})
	fmt.Println(err, len(frame))
	fmt.Printf("% x\n", frame[:8])
	fmt.Printf("%s\n", frame[8:])
	// Output:
	// <nil> 145
	// 00 00 27 0f 00 00 00 89
	// {"command":9999,"appId":10000,"userId":"alice","toId":"alice","clientType":1,"imei":"web-1","messageId":"","data":{"time":1764000000000}}
}
