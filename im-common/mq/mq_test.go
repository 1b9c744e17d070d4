package mq_test

import (
	"encoding/json"
	"errors"
	"flag"
	"strconv"
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
	golden.JSON(t, *update, "auth_request", mq.AuthRequest{Version: mq.Version, AppID: 10000, UserID: "alice"})
	golden.JSON(t, *update, "auth_reply", mq.AuthReply{Version: mq.Version, Code: 3002, Msg: "user is forbidden"})
	golden.JSON(t, *update, "push_kick", mq.Push{
		Version: mq.Version, Command: command.MutualLogin, AppID: 10000,
		To: []device.ID{from}, Data: json.RawMessage(`null`), Close: true,
	})
	golden.JSON(t, *update, "store_record", mq.StoreRecord{Version: mq.Version, Op: mq.OpInsert, Message: mq.Message{
		AppID: 10000, Kind: mq.P2P, ConversationID: mq.P2PConversation("alice", "bob"),
		FromID: "alice", ToID: "bob", MessageID: "m-1", MessageKey: 88, Seq: 7,
		Body: "hi", Time: 1764000000000,
	}})
	golden.JSON(t, *update, "webhook_event", mq.WebhookEvent{Version: mq.Version, ID: "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
		AppID: 10000, Event: "friend.add.after", Payload: json.RawMessage(`{"fromId":"alice","toId":"bob"}`),
		Attempt: 2, NotBefore: 1764000001000})
	golden.JSON(t, *update, "offline_batch", mq.OfflineBatch{Version: mq.Version, Events: []mq.OfflinePush{{
		ID: "88:bob", AppID: 10000, ReceiverID: "bob", SenderID: "alice", ConversationID: mq.P2PConversation("alice", "bob"),
		MessageID: "m-1", MessageKey: 88, Sequence: 7, Preview: "hi", Time: 1764000000000, Badge: 3,
		Attempt: 2, NotBefore: 1764000001000, Targets: []string{"fcm:token-1"},
	}}})
}

func TestTopology_Golden(t *testing.T) {
	golden.JSON(t, *update, "topology_uplink", mq.UplinkTopology(2, mq.Quorum))
	golden.JSON(t, *update, "topology_downlink", mq.DownlinkTopology("gw-1"))
	golden.JSON(t, *update, "topology_store", mq.StoreTopology(mq.Classic))
	golden.JSON(t, *update, "topology_auth", mq.AuthTopology())
	golden.JSON(t, *update, "topology_webhook", mq.WebhookTopology(mq.Quorum))
	golden.JSON(t, *update, "topology_push_offline", mq.OfflinePushTopology(mq.Quorum))
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
		{"group:g 1 ", mq.Group, "g 1 ", false},
		{"p2p:a", mq.P2P, "a", false},
		{"p2p:b:a", mq.P2P, "b:a", false},
		{"p2p:a:a", mq.P2P, "a:a", false},
		{"p2p:P1:P2:P3", mq.P2P, "P1:P2:P3", false},
		{"p2p::b", mq.P2P, ":b", false},
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

// Sequential numeric ids and ids that differ in one digit must spread over
// every shard: FNV-1a mod 8 put them on 4 of 8.
func TestShard_SimilarIDsSpread(t *testing.T) {
	tests := []struct {
		name string
		id   func(i int) string
	}{
		{"group sequential", func(i int) string { return mq.GroupConversation(strconv.Itoa(100000 + i)) }},
		{"p2p pairs", func(i int) string { return mq.P2PConversation("s"+strconv.Itoa(i), "r"+strconv.Itoa(i)) }},
		{"one digit apart", func(i int) string {
			return mq.GroupConversation("f2-g" + strconv.Itoa(i%10) + "-" + strconv.Itoa(i/10))
		}},
	}
	for _, n := range []int{8, 64} {
		for _, tt := range tests {
			counts := make([]int, n)
			total := 200 * n
			for i := range total {
				counts[mq.Shard(10000, tt.id(i), n)]++
			}
			for k, c := range counts {
				if c < 100 || c > 300 { // mean 200
					t.Errorf("%s, %d shards: shard %d got %d of %d", tt.name, n, k, c, total)
				}
			}
		}
	}
}

func TestDecodeBatches(t *testing.T) {
	up := mq.Uplink{Version: mq.Version, Command: command.MessageP2P, From: from, Broker: "gw-1", Payload: json.RawMessage(`{}`)}
	single, _ := json.Marshal(up)
	batch, _ := json.Marshal(mq.UplinkBatch{Version: mq.Version, Uplinks: []mq.Uplink{up, up}})
	tests := []struct {
		name    string
		body    string
		n       int
		wantErr error
	}{
		{"single", string(single), 1, nil},
		{"batch", string(batch), 2, nil},
		{"empty batch", `{"v":1,"uplinks":[]}`, 0, nil},
		{"unknown version", `{"v":9,"uplinks":[]}`, 0, mq.ErrVersion},
		{"single unknown version", `{"v":2,"command":1103}`, 0, mq.ErrVersion},
	}
	for _, tt := range tests {
		got, err := mq.DecodeUplinks([]byte(tt.body))
		if !errors.Is(err, tt.wantErr) || len(got) != tt.n {
			t.Errorf("%s: got %d uplinks, err %v; want %d, %v", tt.name, len(got), err, tt.n, tt.wantErr)
		}
	}
	if _, err := mq.DecodeUplinks([]byte(`[1,2`)); err == nil {
		t.Error("garbage must not decode")
	}
	pushes, err := mq.DecodePushes([]byte(`{"v":1,"pushes":[{"v":1,"command":1046},{"v":1,"command":1103}]}`))
	if err != nil || len(pushes) != 2 || pushes[1].Command != command.MessageP2P {
		t.Errorf("pushes: %+v %v", pushes, err)
	}
	recs, err := mq.DecodeStoreRecords([]byte(`{"v":1,"op":"insert","message":{"seq":3}}`))
	if err != nil || len(recs) != 1 || recs[0].Message.Seq != 3 {
		t.Errorf("store records: %+v %v", recs, err)
	}
}

// (P1, "P2:P3") and ("P1:P2", P3) would both encode as p2p:P1:P2:P3, letting
// P3 into P1 and "P2:P3"'s conversation. ':' is not an id character and the
// one parser refuses the ambiguous id, so no pair of users shares an id.
func TestP2PConversationCannotCollide(t *testing.T) {
	if _, _, ok := mq.P2PMembers(mq.P2PConversation("P1", "P2:P3")); ok {
		t.Error("p2p:P1:P2:P3 parsed")
	}
	for _, u := range []string{"P1", "P2", "P3", "P1:P2", "P2:P3"} {
		if peer, ok := mq.P2PPeer("p2p:P1:P2:P3", u); ok {
			t.Errorf("%s has peer %q in p2p:P1:P2:P3", u, peer)
		}
	}
	ids := []string{"P1", "P2", "P3", "p1", "P1-P2", "a", "b", "ab", "é"}
	seen := map[string][2]string{}
	for _, a := range ids {
		for _, b := range ids {
			if a == b {
				continue
			}
			conv := mq.P2PConversation(a, b)
			x, y, ok := mq.P2PMembers(conv)
			if !ok || [2]string{x, y} != [2]string{min(a, b), max(a, b)} {
				t.Fatalf("P2PMembers(%q) = %q %q %v", conv, x, y, ok)
			}
			if prev, dup := seen[conv]; dup && prev != [2]string{x, y} {
				t.Fatalf("%q shared by %v and %v", conv, prev, [2]string{x, y})
			}
			seen[conv] = [2]string{x, y}
			if peer, ok := mq.P2PPeer(conv, a); !ok || peer != b {
				t.Errorf("P2PPeer(%q, %q) = %q %v", conv, a, peer, ok)
			}
		}
	}
	if peer, ok := mq.P2PPeer(mq.P2PConversation("P1", "P2"), "P3"); ok {
		t.Errorf("outsider has peer %q", peer)
	}
}
