package mq_test

import (
	"encoding/json"
	"flag"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/golden"
	"github.com/whaleim/whaleim/im-common/mq"
)

var update = flag.Bool("update", false, "rewrite golden files")

var from = device.ID{AppID: 10000, UserID: "alice", Type: device.Android, IMEI: "imei-a1"}

func TestGolden_Envelopes(t *testing.T) {
	golden.JSON(t, *update, "uplink", mq.Uplink{
		Version: mq.Version, Command: command.MessageP2P, From: from, Broker: "gw-1",
		TraceID: "t-1", Time: 1764000000000,
		Payload: json.RawMessage(`{"messageId":"m-1","toId":"bob","messageBody":"hi"}`),
	})
	golden.JSON(t, *update, "push", mq.Push{
		Version: mq.Version, Command: command.MessageP2P, AppID: 10000,
		To:   []device.ID{{AppID: 10000, UserID: "bob", Type: device.IOS, IMEI: "imei-b1"}},
		ToID: "bob", MessageID: "m-1", Data: json.RawMessage(`{"messageBody":"hi","messageSequence":7}`),
	})
	golden.JSON(t, *update, "push_kick", mq.Push{
		Version: mq.Version, Command: command.MutualLogin, AppID: 10000,
		To: []device.ID{from}, Data: json.RawMessage(`null`), Close: true,
	})
	golden.JSON(t, *update, "store_record", mq.StoreRecord{Version: mq.Version, Op: mq.OpInsert, Message: mq.Message{
		AppID: 10000, Kind: mq.P2P, ConversationID: mq.P2PConversation("alice", "bob"),
		FromID: "alice", ToID: "bob", MessageID: "m-1", MessageKey: 88, Seq: 7,
		Body: "hi", Time: 1764000000000,
	}})
}

func TestTopology_Golden(t *testing.T) {
	golden.JSON(t, *update, "topology_uplink", mq.UplinkTopology(2, mq.Quorum))
	golden.JSON(t, *update, "topology_downlink", mq.DownlinkTopology("gw-1"))
	golden.JSON(t, *update, "topology_store", mq.StoreTopology(mq.Classic))
}

func TestShard(t *testing.T) {
	const n = 8
	counts := make([]int, n)
	for i := range 8000 {
		k := mq.Shard(10000, mq.P2PConversation("u"+string(rune('a'+i%26)), "v"+time.Duration(i).String()), n)
		if k < 0 || k >= n {
			t.Fatalf("shard %d out of range", k)
		}
		counts[k]++
	}
	for k, c := range counts {
		if c < 500 || c > 1500 {
			t.Errorf("shard %d got %d of 8000: poor spread", k, c)
		}
	}
	a := mq.Shard(1, mq.P2PConversation("x", "y"), n)
	if b := mq.Shard(1, mq.P2PConversation("y", "x"), n); a != b {
		t.Errorf("both directions of a conversation must share a shard: %d != %d", a, b)
	}
	if mq.Shard(1, "anything", 1) != 0 {
		t.Error("one shard must be shard 0")
	}
}

func TestParseConversation(t *testing.T) {
	tests := []struct {
		in   string
		kind mq.ConversationKind
		rest string
		ok   bool
	}{
		{mq.P2PConversation("b", "a"), mq.P2P, "a:b", true},
		{mq.GroupConversation("g1"), mq.Group, "g1", true},
		{"group:", mq.Group, "", false},
		{"chan:x", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		kind, rest, ok := mq.ParseConversation(tt.in)
		if kind != tt.kind || rest != tt.rest || ok != tt.ok {
			t.Errorf("ParseConversation(%q) = %q %q %v", tt.in, kind, rest, ok)
		}
	}
}
