package store

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-common/messagedb"
	"github.com/whaleim/whaleim/im-common/mq"
)

// p2p returns a valid 1:1 message from alice to bob with seq n.
func p2p(n int64) mq.Message {
	return mq.Message{
		AppID: 10001, Kind: mq.P2P, ConversationID: mq.P2PConversation("alice", "bob"),
		FromID: "alice", ToID: "bob", MessageID: "m-" + string(rune('a'+n%26)) + strings.Repeat("x", int(n%5)),
		MessageKey: 1000 + n, Seq: n, Body: `{"text":"hi 😀"}`, Time: 1_700_000_000_000 + n,
	}
}

func encode(t testing.TB, r mq.StoreRecord) []byte {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecode(t *testing.T) {
	group := mq.Message{AppID: 1, Kind: mq.Group, ConversationID: mq.GroupConversation("g1"), GroupID: "g1",
		FromID: "alice", MessageID: "u1", MessageKey: 7, Seq: 1, Time: 1}
	edit := func(f func(*mq.Message)) mq.Message { m := p2p(1); f(&m); return m }
	tests := []struct {
		name string
		body []byte
		kind string // "" means valid
	}{
		{"insert p2p", encode(t, mq.StoreRecord{Version: 1, Op: mq.OpInsert, Message: p2p(1)}), ""},
		{"insert group", encode(t, mq.StoreRecord{Version: 1, Op: mq.OpInsert, Message: group}), ""},
		{"recall", encode(t, mq.StoreRecord{Version: 1, Op: mq.OpRecall, Message: p2p(1)}), ""},
		{"reply direction", encode(t, mq.StoreRecord{Version: 1, Op: mq.OpInsert, Message: edit(func(m *mq.Message) { m.FromID, m.ToID = "bob", "alice" })}), ""},
		{"not json", []byte("{oops"), kindUndecodable},
		{"wrong shape", []byte(`{"v":"one"}`), kindUndecodable},
		{"empty", nil, kindUndecodable},
		{"version 2", encode(t, mq.StoreRecord{Version: 2, Op: mq.OpInsert, Message: p2p(1)}), kindUnsupported},
		{"version 0", encode(t, mq.StoreRecord{Op: mq.OpInsert, Message: p2p(1)}), kindUnsupported},
		{"op delete", encode(t, mq.StoreRecord{Version: 1, Op: "delete", Message: p2p(1)}), kindUnsupported},
		{"no app", rec(edit(func(m *mq.Message) { m.AppID = 0 })), kindInvalid},
		{"seq 0", rec(edit(func(m *mq.Message) { m.Seq = 0 })), kindInvalid},
		{"no key", rec(edit(func(m *mq.Message) { m.MessageKey = 0 })), kindInvalid},
		{"no time", rec(edit(func(m *mq.Message) { m.Time = 0 })), kindInvalid},
		{"no message id", rec(edit(func(m *mq.Message) { m.MessageID = "" })), kindInvalid},
		{"message id too long", rec(edit(func(m *mq.Message) { m.MessageID = strings.Repeat("x", messagedb.MaxMessageIDLen+1) })), kindInvalid},
		{"message id 64 runes", rec(edit(func(m *mq.Message) { m.MessageID = strings.Repeat("é", messagedb.MaxMessageIDLen) })), ""},
		{"body too long", rec(edit(func(m *mq.Message) { m.Body = strings.Repeat("x", messagedb.MaxBodyBytes+1) })), kindInvalid},
		{"extra too long", rec(edit(func(m *mq.Message) { m.Extra = strings.Repeat("x", messagedb.MaxExtraBytes+1) })), kindInvalid},
		{"wrong conversation", rec(edit(func(m *mq.Message) { m.ConversationID = "p2p:alice:carol" })), kindInvalid},
		{"unknown kind", rec(edit(func(m *mq.Message) { m.Kind = "channel" })), kindInvalid},
		{"p2p without receiver", rec(edit(func(m *mq.Message) { m.ToID = "" })), kindInvalid},
		{"group without group id", rec(func() mq.Message { g := group; g.GroupID = ""; return g }()), kindInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := decode(tt.body)
			if err == nil && len(recs) != 1 {
				t.Fatalf("decode gave %d records, want 1", len(recs))
			}
			if err == nil {
				err = check(recs[0])
			}
			if tt.kind == "" {
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				return
			}
			var r *refusalError
			if !errors.As(err, &r) || r.kind != tt.kind {
				t.Fatalf("decode error = %v, want refusal %q", err, tt.kind)
			}
		})
	}
}

func TestDecode_Batch(t *testing.T) {
	batch := func(v int, recs ...mq.StoreRecord) []byte {
		b, err := json.Marshal(mq.StoreBatch{Version: v, Records: recs})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ins := func(n int64) mq.StoreRecord { return mq.StoreRecord{Version: 1, Op: mq.OpInsert, Message: p2p(n)} }
	tests := []struct {
		name string
		body []byte
		want int    // records decoded
		kind string // refusal of the whole body; "" means none
	}{
		{"three records", batch(1, ins(1), ins(2), ins(3)), 3, ""},
		{"empty batch", []byte(`{"v":1,"records":[]}`), 0, ""},
		{"batch version 2", batch(2, ins(1)), 0, kindUnsupported},
		{"record not an object", []byte(`{"v":1,"records":[1]}`), 0, kindUndecodable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := decode(tt.body)
			var r *refusalError
			if tt.kind != "" && (!errors.As(err, &r) || r.kind != tt.kind) {
				t.Fatalf("decode error = %v, want refusal %q", err, tt.kind)
			}
			if tt.kind == "" && (err != nil || len(recs) != tt.want) {
				t.Fatalf("decode = %d records, %v; want %d", len(recs), err, tt.want)
			}
			for i, rec := range recs {
				if rec.Message.Seq != int64(i+1) || check(rec) != nil {
					t.Errorf("record %d = seq %d, check %v", i, rec.Message.Seq, check(rec))
				}
			}
		})
	}
}

func rec(m mq.Message) []byte {
	b, _ := json.Marshal(mq.StoreRecord{Version: 1, Op: mq.OpInsert, Message: m})
	return b
}
