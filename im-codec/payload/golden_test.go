package payload_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares v's JSON with testdata/<name>.golden.json and checks the
// file decodes back to v, so any change to a body shape shows in the diff.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(want), got) {
		t.Errorf("%s changed:\n got %s\nwant %s", name, got, want)
	}
	back := reflect.New(reflect.TypeOf(v))
	dec := json.NewDecoder(bytes.NewReader(want))
	dec.DisallowUnknownFields()
	if err := dec.Decode(back.Interface()); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	// Compare re-encoded, not DeepEqual: a RawMessage keeps the file's indentation.
	again, err := json.MarshalIndent(back.Interface(), "", "  ")
	if err != nil || !bytes.Equal(again, got) {
		t.Errorf("%s does not round-trip: %s (%v)", name, again, err)
	}
}

const (
	msgID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
	key   = 123456789012345
	at    = 1764000000123
)

func TestGolden(t *testing.T) {
	tests := []struct {
		name string
		v    any
	}{
		{"login", payload.Login{UserID: "alice", UserSign: "eJyrVipOLcxMUbJSMjQwMDEyMDIwMTW0NLUwNTBSqgUAmtkJnQ__"}},
		{"login_ack", payload.LoginAck{Code: errcode.Success.Code, Msg: errcode.Success.Message}},
		{"login_ack_failure", payload.LoginAck{Code: errcode.SignExpired.Code, Msg: errcode.SignExpired.Message}},
		{"pong", payload.Pong{Time: 1764000000000}},
		{"pong_empty", payload.Pong{}},
		{"error_notice", payload.ErrorNotice{Code: errcode.UnsupportedFormat.Code,
			Msg: errcode.UnsupportedFormat.Message, Command: command.MessageP2P}},
		{"message_p2p_up", payload.Message{MessageID: msgID, ToID: "bob", MessageBody: "hi 你好", Extra: `{"k":1}`}},
		{"message_group_up", payload.Message{MessageID: msgID, GroupID: "g-100", MessageBody: "hello group"}},
		{"message_p2p_down", payload.Message{MessageID: msgID, FromID: "alice", ToID: "bob", MessageBody: "hi 你好",
			MessageKey: key, MessageSequence: 7, MessageTime: at}},
		{"message_ack", payload.MessageAck{Code: 200, Msg: "ok",
			Data: &payload.AckData{MessageID: msgID, MessageSequence: 7, MessageKey: key, MessageTime: at}}},
		{"message_ack_failure", payload.MessageAck{Code: errcode.NotFriends.Code, Msg: errcode.NotFriends.Message,
			Data: &payload.AckData{MessageID: msgID}}},
		{"receive_ack", payload.ReceiveAck{MessageID: msgID, MessageKey: key, MessageSequence: 7,
			FromID: "bob", ToID: "alice"}},
		{"receive_ack_server", payload.ReceiveAck{MessageID: msgID, MessageKey: key, MessageSequence: 7,
			FromID: "bob", ToID: "alice", ServerSend: true}},
		{"read_p2p", payload.Read{ToID: "alice", MessageSequence: 7, ConversationType: payload.P2P}},
		{"read_group", payload.Read{GroupID: "g-100", MessageSequence: 42, ConversationType: payload.Group}},
		{"recall", payload.Recall{MessageKey: key, MessageID: "r-1", ToID: "bob", ConversationType: payload.P2P}},
		{"envelope", payload.Envelope{Command: command.MessageP2P, AppID: 10000, UserID: "bob", ToID: "bob",
			ClientType: device.Android, IMEI: "android-0002", MessageID: msgID,
			Data: json.RawMessage(`{"messageId":"` + msgID + `","fromId":"alice","toId":"bob","messageBody":"hi"}`)}},
		{"envelope_no_data", payload.Envelope{Command: command.MutualLogin, AppID: 10000, UserID: "bob", ToID: "bob",
			ClientType: device.IOS, IMEI: "ios-1", Data: json.RawMessage("null")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { golden(t, tt.name, tt.v) })
	}
}
