package whaleim_test

import (
	"encoding/json"
	"testing"

	"github.com/whaleim/whaleim/im-sdk/go/whaleim"
)

// The JSON form of every event is the conformance suite's, shared with
// the TypeScript SDK: renaming a field breaks both suites.
func TestEventJSONForms(t *testing.T) {
	for _, tc := range []struct {
		ev   whaleim.Event
		want string
	}{
		{whaleim.StateChanged{State: whaleim.Reconnecting}, `{"state":"reconnecting","type":"state"}`},
		{whaleim.MessageStateChanged{MessageID: "m", State: whaleim.Sent, Seq: 4, Key: 9, Conversation: "p2p:a:b"}, `{"id":"m","seq":4,"state":"sent","type":"message_state"}`},
		{whaleim.MessageStateChanged{MessageID: "m", State: whaleim.Failed, Code: 4000}, `{"code":4000,"id":"m","state":"failed","type":"message_state"}`},
		{whaleim.MessageReceived{Message: whaleim.Message{Conversation: "group:g", Seq: 2, ID: "x", From: "b", Body: ""}}, `{"body":"","conversation":"group:g","from":"b","id":"x","seq":2,"type":"message"}`},
		{whaleim.MessageReceived{Message: whaleim.Message{Conversation: "group:g", Seq: 2, ID: "x", From: "b", Recalled: true}}, `{"body":"","conversation":"group:g","from":"b","id":"x","recalled":true,"seq":2,"type":"message"}`},
		{whaleim.ErrorEvent{Reason: whaleim.ReasonUnknownCommand, Command: 7777}, `{"command":7777,"reason":"unknown_command","type":"error"}`},
		{whaleim.ErrorEvent{Reason: whaleim.ReasonLoginRefused, Code: 2003}, `{"code":2003,"reason":"login_refused","type":"error"}`},
		{whaleim.Delivered{Conversation: "p2p:a:b", MessageID: "m", Seq: 3}, `{"conversation":"p2p:a:b","id":"m","seq":3,"type":"delivered"}`},
		{whaleim.ReadReceipt{Conversation: "p2p:a:b", Reader: "b", Seq: 3}, `{"conversation":"p2p:a:b","reader":"b","seq":3,"type":"read_receipt"}`},
		{whaleim.ReadSynced{Conversation: "p2p:a:b", Seq: 3}, `{"conversation":"p2p:a:b","seq":3,"type":"read"}`},
		{whaleim.Recalled{Conversation: "p2p:a:b", Key: 12}, `{"conversation":"p2p:a:b","key":12,"type":"recalled"}`},
		{whaleim.Typing{Conversation: "group:g", From: "a"}, `{"conversation":"group:g","from":"a","type":"typing"}`},
		{whaleim.Typing{Conversation: "p2p:a:b", From: "a", Stopped: true}, `{"conversation":"p2p:a:b","from":"a","stopped":true,"type":"typing"}`},
		{whaleim.Edited{Conversation: "p2p:a:b", Key: 12, Seq: 3, From: "a", Body: "v2", EditedAt: 99},
			`{"body":"v2","conversation":"p2p:a:b","editedAt":99,"from":"a","key":12,"seq":3,"type":"edited"}`},
		{whaleim.Deleted{Conversation: "p2p:a:b", Seqs: []int64{2, 5}}, `{"conversation":"p2p:a:b","seqs":[2,5],"type":"deleted"}`},
		{whaleim.Cleared{Conversation: "group:g", Seq: 7}, `{"conversation":"group:g","seq":7,"type":"cleared"}`},
		{whaleim.Notification{Command: 2002, Data: json.RawMessage(`{}`)}, `{"command":2002,"type":"notification"}`},
	} {
		got, err := json.Marshal(tc.ev)
		if err != nil || string(got) != tc.want {
			t.Errorf("%T: %s, %v; want %s", tc.ev, got, err, tc.want)
		}
	}
}

func TestP2PIsOrderIndependent(t *testing.T) {
	if a, b := whaleim.P2P("bob", "alice"), whaleim.P2P("alice", "bob"); a != b || a != "p2p:alice:bob" {
		t.Errorf("P2P = %q / %q", a, b)
	}
}
