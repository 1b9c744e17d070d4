package payload_test

import (
	"encoding/json"
	"flag"
	"testing"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/golden"
)

var update = flag.Bool("update", false, "rewrite golden files")

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
		{"typing", payload.Typing{FromID: "alice", ToID: "bob", ConversationType: payload.P2P}},
		{"edit", payload.Edit{MessageKey: key, MessageID: "e-1", GroupID: "g-100", ConversationType: payload.Group,
			MessageBody: "fixed", FromID: "alice", MessageSequence: 7, EditedAt: at}},
		{"deleted", payload.Deleted{ConversationID: "p2p:alice:bob", Sequences: []int64{3, 5}}},
		{"cleared", payload.Cleared{ConversationID: "group:g-100", ClearedSequence: 42}},
		{"envelope", payload.Envelope{Command: command.MessageP2P, AppID: 10000, UserID: "bob", ToID: "bob",
			ClientType: device.Android, IMEI: "android-0002", MessageID: msgID,
			Data: json.RawMessage(`{"messageId":"` + msgID + `","fromId":"alice","toId":"bob","messageBody":"hi"}`)}},
		{"envelope_no_data", payload.Envelope{Command: command.MutualLogin, AppID: 10000, UserID: "bob", ToID: "bob",
			ClientType: device.IOS, IMEI: "ios-1", Data: json.RawMessage("null")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { golden.JSON(t, *update, tt.name, tt.v) })
	}
}
