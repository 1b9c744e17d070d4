//go:build integration

package httpapi_test

import (
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/messagedb"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/mariadb"
)

type ackData struct {
	MessageID       string `json:"messageId"`
	MessageSequence int64  `json:"messageSequence"`
	MessageKey      int64  `json:"messageKey"`
	MessageTime     int64  `json:"messageTime"`
}

func storeRecords(env *apitest.Env) int {
	n := 0
	for _, p := range env.Pushes.All() {
		if p.Exchange == mq.ExchangeStore && p.Key == mq.KeyStoreMessages {
			n++
		}
	}
	return n
}

func TestMessageSend_BackOfficeSamePipelineAndDedup(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("alice", "bob", "carol")
	env.SetOnline("bob", "gw-b", device.Type(3), "phone")
	body := map[string]any{"fromId": "alice", "toId": "bob", "messageId": "m1", "messageBody": "hi"}
	var first ackData
	env.Call(env.Admin, "/v1/message/send", body).WantCode(t, 200).Decode(t, &first)
	if first.MessageSequence != 1 || first.MessageKey <= 0 || first.MessageKey >= 1<<53 || first.MessageID != "m1" {
		t.Fatalf("ack %+v", first)
	}
	for range 4 {
		var again ackData
		env.Call(env.Admin, "/v1/message/send", body).WantCode(t, 200).Decode(t, &again)
		if again != first {
			t.Fatalf("resend ack %+v, want %+v", again, first)
		}
	}
	if n := storeRecords(env); n != 1 {
		t.Fatalf("%d store records, want 1", n)
	}
	env.Pushes.Wait(t, func(p apitest.Published) bool {
		return p.Key == "gw-b" && p.Push.Command == command.MessageP2P && p.Push.MessageID == "m1"
	})
	var second ackData
	env.Call(env.Admin, "/v1/message/send", map[string]any{"fromId": "bob", "toId": "alice", "messageId": "m2", "messageBody": "yo"}).
		WantCode(t, 200).Decode(t, &second)
	if second.MessageSequence != 2 {
		t.Fatalf("second message of the pair has seq %d, want 2", second.MessageSequence)
	}
}

func TestMessageSend_BadInput(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("alice", "bob")
	tests := []struct {
		name   string
		caller string
		body   any
		code   int
	}{
		{"malformed json", env.Admin, `{"fromId":`, 1001},
		{"wrong type", env.Admin, map[string]any{"fromId": 7, "toId": "bob", "messageBody": "x"}, 1002},
		{"no fromId", env.Admin, map[string]any{"toId": "bob", "messageBody": "x"}, 1002},
		{"both targets", env.Admin, map[string]any{"fromId": "alice", "toId": "bob", "groupId": "g", "messageBody": "x"}, 1002},
		{"no body", env.Admin, map[string]any{"fromId": "alice", "toId": "bob"}, 1002},
		{"unknown receiver", env.Admin, map[string]any{"fromId": "alice", "toId": "ghost", "messageBody": "x"}, 3000},
		{"unknown group", env.Admin, map[string]any{"fromId": "alice", "groupId": "nope", "messageBody": "x"}, 5000},
		{"not admin", "alice", map[string]any{"fromId": "alice", "toId": "bob", "messageBody": "x"}, 2006},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.Call(tt.caller, "/v1/message/send", tt.body).WantCode(t, tt.code)
		})
	}
	if n := storeRecords(env); n != 0 {
		t.Fatalf("refused sends published %d store records", n)
	}
}

// TestMessageSync_ReadsOnlyOwnConversations stands in for the store: it
// writes the sent messages into im_message, then reads them back.
func TestMessageSync_ReadsOnlyOwnConversations(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("alice", "bob", "carol")
	db, err := mariadb.Open(t.Context(), apitest.DSN(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conv := mq.P2PConversation("alice", "bob")
	for i, id := range []string{"a", "b", "c"} {
		var ack ackData
		env.Call(env.Admin, "/v1/message/send", map[string]any{"fromId": "alice", "toId": "bob", "messageId": id, "messageBody": "body-" + id}).
			WantCode(t, 200).Decode(t, &ack)
		err := db.Gorm.Exec("INSERT INTO "+messagedb.Table+" (app_id, conversation_id, seq, message_key, message_id, kind, from_id, to_id, body, extra, message_time, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
			env.AppID, conv, ack.MessageSequence, ack.MessageKey, id, "p2p", "alice", "bob", "body-"+id, "", ack.MessageTime, time.Now().UnixMilli()).Error
		if err != nil || ack.MessageSequence != int64(i+1) {
			t.Fatalf("insert %v, seq %d", err, ack.MessageSequence)
		}
	}
	var page struct {
		MaxSequence int64 `json:"maxSequence"`
		Completed   bool  `json:"completed"`
		DataList    []struct {
			MessageSequence int64  `json:"messageSequence"`
			MessageBody     string `json:"messageBody"`
		} `json:"dataList"`
	}
	env.Call("bob", "/v1/message/pull", map[string]any{"conversationId": conv, "lastSequence": 1, "maxLimit": 1}).WantCode(t, 200).Decode(t, &page)
	if page.MaxSequence != 3 || page.Completed || len(page.DataList) != 1 || page.DataList[0].MessageSequence != 2 {
		t.Fatalf("pull page %+v", page)
	}
	var hist []struct {
		MessageSequence int64 `json:"messageSequence"`
	}
	env.Call("alice", "/v1/message/history", map[string]any{"conversationId": conv, "beforeSequence": 3}).WantCode(t, 200).Decode(t, &hist)
	if len(hist) != 2 || hist[0].MessageSequence != 2 || hist[1].MessageSequence != 1 {
		t.Fatalf("history %+v", hist)
	}
	var maxes []struct {
		ConversationID string `json:"conversationId"`
		MaxSequence    int64  `json:"maxSequence"`
	}
	env.Call("bob", "/v1/message/getMaxSequences", map[string]any{}).WantCode(t, 200).Decode(t, &maxes)
	if len(maxes) != 1 || maxes[0].ConversationID != conv || maxes[0].MaxSequence != 3 {
		t.Fatalf("max seqs %+v", maxes)
	}
	var offline []struct {
		ConversationID string `json:"conversationId"`
	}
	env.Call("bob", "/v1/message/syncOffline", map[string]any{"conversations": map[string]int64{conv: 3}}).WantCode(t, 200).Decode(t, &offline)
	if len(offline) != 0 {
		t.Fatalf("offline after the last seq: %+v", offline)
	}
	env.Call("carol", "/v1/message/pull", map[string]any{"conversationId": conv}).WantCode(t, 6004)
	env.Call("carol", "/v1/message/history", map[string]any{"conversationId": conv}).WantCode(t, 6004)
	env.Call("carol", "/v1/message/pull", map[string]any{"userId": "bob", "conversationId": conv}).WantCode(t, 2005)
	env.Call("bob", "/v1/message/pull", map[string]any{"conversationId": "nonsense"}).WantCode(t, 1002)
	env.Call("bob", "/v1/message/groupReadCount", map[string]any{"groupId": "nope", "messageSequence": 1}).WantCode(t, 5000)
}

// Regression: the message core kept a read cursor of its own, so a REST
// readConversation was not counted in "read by N of M". M is the members
// other than the sender, N those of them whose read position reached the
// seq. The message is not in im_message yet (no store runs here): the
// sender is found in the recent-message record.
func TestGroupReadCount_CountsRESTReadsExcludesSender(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("alice", "bob", "carol", "dave")
	g := privateGroup(t, env)
	var ack ackData
	env.Call(env.Admin, "/v1/message/send", map[string]any{"fromId": "bob", "groupId": g, "messageBody": "read me"}).
		WantCode(t, 200).Decode(t, &ack)
	readBy := func(as string, seq int64) (n, m int) {
		t.Helper()
		var out struct{ ReadCount, MemberCount int }
		env.Call(as, "/v1/message/groupReadCount", map[string]any{"groupId": g, "messageSequence": seq}).WantCode(t, 200).Decode(t, &out)
		return out.ReadCount, out.MemberCount
	}
	if n, m := readBy("alice", ack.MessageSequence); n != 0 || m != 2 {
		t.Fatalf("before reads: %d of %d, want 0 of 2 (the sender bob is not counted)", n, m)
	}
	conv := mq.GroupConversation(g)
	env.Call("carol", "/v1/conversation/readConversation", map[string]any{"conversationId": conv, "readSequence": ack.MessageSequence}).WantCode(t, 200)
	if n, m := readBy("bob", ack.MessageSequence); n != 1 || m != 2 {
		t.Fatalf("after carol's REST read: %d of %d, want 1 of 2", n, m)
	}
	var maxes []struct {
		ConversationID string `json:"conversationId"`
		ReadSequence   int64  `json:"readSequence"`
	}
	env.Call("carol", "/v1/message/getMaxSequences", map[string]any{}).WantCode(t, 200).Decode(t, &maxes)
	if len(maxes) != 1 || maxes[0].ConversationID != conv || maxes[0].ReadSequence != ack.MessageSequence {
		t.Fatalf("carol's max seqs %+v: the read position is the conversation's", maxes)
	}
	env.Call("alice", "/v1/message/groupReadCount", map[string]any{"groupId": g, "messageSequence": ack.MessageSequence + 1}).WantCode(t, 6000)
	env.Call("dave", "/v1/message/groupReadCount", map[string]any{"groupId": g, "messageSequence": ack.MessageSequence}).WantCode(t, 5003)
}
