//go:build integration

package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/conversation"
	"github.com/whaleim/whaleim/im-domain/internal/mariadb"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
	"github.com/whaleim/whaleim/im-domain/internal/redisdb"
)

type noNotify struct{}

func (noNotify) Notify(context.Context, notify.Event) error { return nil }

// core stands in for the message core of another node: it takes seqs from
// the node's allocator (Redis and MySQL) and drives OnMessage on its own
// conversation service, flushing its write-behind after each message.
type core struct {
	t    *testing.T
	env  *apitest.Env
	db   *mariadb.DB
	seqs *redisdb.Sequencer
	svc  *conversation.Service
	mu   sync.Mutex
	seq  map[string]int64
}

func newCore(t *testing.T, env *apitest.Env) *core {
	db, err := mariadb.Open(t.Context(), apitest.DSN(t), 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	seqs := redisdb.Wrap(apitest.Redis(t), time.Minute).NewSequencer(db, 0)
	svc := conversation.NewService(db, noNotify{}, currentSeqs{seqs}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return &core{t: t, env: env, db: db, seqs: seqs, svc: svc, seq: map[string]int64{}}
}

// currentSeqs is the node's allocator without its MySQL fallback.
type currentSeqs struct{ s *redisdb.Sequencer }

func (c currentSeqs) Allocated(ctx context.Context, appID uint32, convs []string) (map[string]int64, error) {
	return c.s.Current(ctx, appID, convs)
}

func (c *core) next(conv string) int64 {
	c.t.Helper()
	seq, err := c.seqs.Next(c.t.Context(), c.env.AppID, conv)
	if err != nil {
		c.t.Fatalf("seq: %v", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq[conv] = max(c.seq[conv], seq)
	return seq
}

func (c *core) flush() {
	c.t.Helper()
	if err := c.svc.Flush(c.t.Context()); err != nil {
		c.t.Fatalf("flush: %v", err)
	}
}

// p2p sends a 1:1 message and returns its seq.
func (c *core) p2p(from, to, body string) int64 {
	c.t.Helper()
	conv := mq.P2PConversation(from, to)
	seq := c.next(conv)
	last := conversation.LastMessage{MessageKey: 1000 + seq, FromID: from, Preview: body, Time: time.Now().UnixMilli()}
	if err := c.svc.OnMessage(c.t.Context(), c.env.AppID, conv, mq.P2P, []string{from, to}, to, seq, last); err != nil {
		c.t.Fatalf("OnMessage: %v", err)
	}
	c.flush()
	return seq
}

func (c *core) group(groupID, from string, members []string) int64 {
	c.t.Helper()
	conv := mq.GroupConversation(groupID)
	seq := c.next(conv)
	m := mq.Message{AppID: c.env.AppID, Kind: mq.Group, ConversationID: conv, FromID: from, GroupID: groupID,
		MessageKey: 5000 + seq, Seq: seq, Body: "hello group", Time: time.Now().UnixMilli()}
	if err := c.svc.Record(c.t.Context(), m, members); err != nil {
		c.t.Fatalf("Record: %v", err)
	}
	c.flush()
	return seq
}

func listOf(t *testing.T, env *apitest.Env, owner string) (int64, []conversation.Conversation) {
	t.Helper()
	var got struct {
		Total    int64                       `json:"total"`
		DataList []conversation.Conversation `json:"dataList"`
	}
	env.Call(owner, "/v1/conversation/getConversationList", map[string]any{}).WantCode(t, 200).Decode(t, &got)
	return got.Total, got.DataList
}

func TestConversationListAndUnread(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("alice", "bob", "carol")
	c := newCore(t, env)
	c.p2p("alice", "bob", "hi")
	c.p2p("bob", "alice", "hey")
	c.p2p("alice", "bob", strings.Repeat("🐳", 150))
	c.p2p("carol", "bob", "yo")
	total, list := listOf(t, env, "bob")
	if total != 2 || len(list) != 2 || list[0].PeerID != "carol" || list[1].PeerID != "alice" {
		t.Fatalf("bob's list = %d %+v", total, list)
	}
	ab := list[1]
	if ab.ConversationID != mq.P2PConversation("alice", "bob") || ab.Type != conversation.P2P || ab.OwnerID != "bob" ||
		ab.MaxSeq != 3 || ab.ReadSeq != 2 || ab.Unread != 1 || ab.Last.FromID != "alice" || ab.Last.MessageKey != 1003 ||
		ab.Last.Preview != strings.Repeat("🐳", 100) {
		t.Errorf("alice-bob for bob = %+v", ab)
	}
	// Regression: the sender's own messages counted as unread in its list.
	// Sending moves the sender's read position: bob sent seq 2, alice 3.
	if _, al := listOf(t, env, "alice"); len(al) != 1 || al[0].ReadSeq != 3 || al[0].Unread != 0 {
		t.Errorf("alice's list = %+v", al)
	}
	var unread conversation.Unread
	env.Call("bob", "/v1/conversation/getUnreadCount", map[string]any{}).WantCode(t, 200).Decode(t, &unread)
	if unread.Total != 2 || len(unread.Conversations) != 2 {
		t.Errorf("unread = %+v", unread)
	}
	var got conversation.Conversation
	env.Call("bob", "/v1/conversation/readConversation", map[string]any{"conversationId": ab.ConversationID, "readSequence": 3}).WantCode(t, 200).Decode(t, &got)
	if got.ReadSeq != 3 || got.Unread != 0 {
		t.Errorf("after read = %+v", got)
	}
	// Paging.
	var page struct {
		Total    int64                       `json:"total"`
		DataList []conversation.Conversation `json:"dataList"`
	}
	env.Call("bob", "/v1/conversation/getConversationList", map[string]any{"offset": 1, "limit": 1}).WantCode(t, 200).Decode(t, &page)
	if page.Total != 2 || len(page.DataList) != 1 || page.DataList[0].ConversationID != ab.ConversationID {
		t.Errorf("page 2 = %+v", page)
	}
	// The admin reads anyone's list; the sequence module is recorded.
	env.Call(env.Admin, "/v1/conversation/getConversationList", map[string]any{"fromId": "carol"}).WantCode(t, 200).Decode(t, &page)
	if page.Total != 1 {
		t.Errorf("carol's list = %+v", page)
	}
	var seqs map[string]int64
	env.Call("bob", "/v1/user/getUserSequence", map[string]any{"userId": "bob"}).WantCode(t, 200).Decode(t, &seqs)
	if seqs[conversation.Module] == 0 {
		t.Errorf("sequences = %v", seqs)
	}
}

// WhaleShark's readMark SQL guard compared read_sequence with the new
// conversation seq, so the read pointer could move backwards.
func TestReadMarkNeverMovesBack(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("alice", "bob")
	env.SetOnline("bob", "gw-1", device.IOS, "phone")
	c := newCore(t, env)
	for range 5 {
		c.p2p("alice", "bob", "m")
	}
	conv := mq.P2PConversation("alice", "bob")
	for _, seq := range []int64{4, 2, 0} {
		if err := c.svc.MarkRead(t.Context(), env.AppID, "bob", conv, seq); err != nil {
			t.Fatalf("MarkRead %d: %v", seq, err)
		}
		c.flush()
		if _, list := listOf(t, env, "bob"); len(list) != 1 || list[0].ReadSeq != 4 {
			t.Errorf("after MarkRead %d: %+v, want read 4", seq, list)
		}
	}
	var got conversation.Conversation
	env.Call("bob", "/v1/conversation/readConversation", map[string]any{"conversationId": conv, "readSequence": 1}).WantCode(t, 200).Decode(t, &got)
	if got.ReadSeq != 4 || got.Unread != 1 {
		t.Errorf("after a backward read = %+v", got)
	}
	if n := len(env.Pushes.All()); n != 0 {
		t.Errorf("%d pushes for reads that moved nothing", n)
	}
	if err := c.svc.MarkRead(t.Context(), env.AppID, "bob", mq.P2PConversation("alice", "zed"), 1); err == nil {
		t.Error("MarkRead in someone else's conversation succeeded")
	}
	if err := c.svc.MarkRead(t.Context(), env.AppID, "bob", mq.P2PConversation("bob", "zed"), 1); err != nil {
		t.Fatal(err)
	}
	for range lateFlushes {
		c.flush()
	}
	if total, _ := listOf(t, env, "bob"); total != 1 {
		t.Errorf("a read of an unknown conversation created a row: %d rows", total)
	}
}

// lateFlushes is enough flushes for a read without a row to be dropped.
const lateFlushes = 3

// Issue 8: read and receive cursors moved past the conversation's last
// seq, so messages sent later arrived already read (unread counts stuck at
// 0, "read by N of M" wrong). They stop at the last seq allocated.
func TestCursorsStopAtTheLastAllocatedSeq(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("alice", "bob")
	c := newCore(t, env)
	for range 3 {
		c.p2p("alice", "bob", "m")
	}
	conv := mq.P2PConversation("alice", "bob")
	var got conversation.Conversation
	env.Call("bob", "/v1/conversation/readConversation", map[string]any{"conversationId": conv, "readSequence": 1000}).WantCode(t, 200).Decode(t, &got)
	if got.ReadSeq != 3 || got.Unread != 0 {
		t.Errorf("REST read 1000 of 3 messages = %+v, want read 3", got)
	}
	if err := c.svc.MarkRead(t.Context(), env.AppID, "alice", conv, 500); err != nil {
		t.Fatal(err)
	}
	if err := c.svc.Received(t.Context(), env.AppID, "bob", conv, 1000); err != nil {
		t.Fatal(err)
	}
	c.flush()
	if _, list := listOf(t, env, "alice"); len(list) != 1 || list[0].ReadSeq != 3 {
		t.Errorf("alice after a 1106 of 500 = %+v, want read 3", list)
	}
	var recv int64
	c.db.Gorm.Raw("SELECT recv_seq FROM im_message_user_conv WHERE app_id = ? AND user_id = ? AND conversation_id = ?", env.AppID, "bob", conv).Scan(&recv)
	if recv != 3 {
		t.Errorf("receive cursor after an ACK of 1000 = %d, want 3", recv)
	}
	c.p2p("alice", "bob", "fourth")
	if _, list := listOf(t, env, "bob"); len(list) != 1 || list[0].Unread != 1 {
		t.Errorf("a message after the clamped read = %+v, want 1 unread", list)
	}
}

// WhaleShark's deleteConversation deleted nothing, and createConversation
// was a plain INSERT: a conversation re-created after a delete threw a
// duplicate key. Here delete hides and the next message un-hides.
func TestDeleteHidesUntilNewMessage(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("alice", "bob")
	env.SetOnline("bob", "gw-1", device.IOS, "phone")
	env.SetOnline("bob", "gw-2", device.Web, "browser") // the caller
	c := newCore(t, env)
	c.p2p("alice", "bob", "one")
	c.p2p("alice", "bob", "two")
	conv := mq.P2PConversation("alice", "bob")
	for range 2 { // idempotent
		env.Call("bob", "/v1/conversation/deleteConversation", map[string]any{"conversationId": conv, "clientType": 1, "imei": "browser"}).WantCode(t, 200)
	}
	if total, _ := listOf(t, env, "bob"); total != 0 {
		t.Fatalf("deleted conversation still listed")
	}
	if total, _ := listOf(t, env, "alice"); total != 1 {
		t.Errorf("alice's row was touched by bob's delete")
	}
	deletes := 0
	for _, p := range env.Pushes.All() {
		if p.Push.Command == command.ConversationDelete {
			deletes++
			if p.Key != "gw-1" || len(p.Push.To) != 1 || p.Push.To[0].IMEI != "phone" {
				t.Errorf("5000 went to %+v", p)
			}
		}
	}
	if deletes != 1 {
		t.Errorf("%d 5000 pushes, want 1 (the second delete is a no-op)", deletes)
	}
	c.p2p("alice", "bob", "three")
	_, list := listOf(t, env, "bob")
	if len(list) != 1 || list[0].Deleted != 0 || list[0].Unread != 1 || list[0].Last.Preview != "three" {
		t.Errorf("after a new message: %+v", list)
	}
}

func TestUpdateConversation(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("alice", "bob", "carol")
	env.SetOnline("alice", "gw-1", device.Android, "tablet")
	c := newCore(t, env)
	c.p2p("alice", "bob", "old")
	c.p2p("carol", "alice", "new")
	conv := mq.P2PConversation("alice", "bob")
	var got conversation.Conversation
	env.Call("alice", "/v1/conversation/updateConversation", map[string]any{"conversationId": conv, "isTop": 1, "isMute": 1}).WantCode(t, 200).Decode(t, &got)
	if got.Top != 1 || got.Mute != 1 {
		t.Errorf("updated = %+v", got)
	}
	p := env.Pushes.Wait(t, func(p apitest.Published) bool { return p.Push.Command == command.ConversationUpdate })
	if !strings.Contains(string(p.Push.Data), `"isTop":1`) || p.Push.ToID != conv {
		t.Errorf("5001 = %+v %s", p.Push, p.Push.Data)
	}
	if _, list := listOf(t, env, "alice"); len(list) != 2 || list[0].ConversationID != conv {
		t.Errorf("pinned conversation not first: %+v", list)
	}
	before := len(env.Pushes.All())
	env.Call("alice", "/v1/conversation/updateConversation", map[string]any{"conversationId": conv, "isTop": 1}).WantCode(t, 200)
	if len(env.Pushes.All()) != before {
		t.Error("an update that changed nothing notified")
	}
	env.Call("alice", "/v1/conversation/updateConversation", map[string]any{"conversationId": conv, "isMute": 0}).WantCode(t, 200).Decode(t, &got)
	if got.Top != 1 || got.Mute != 0 {
		t.Errorf("partial update = %+v", got)
	}
}

func TestConversationBadInputChangesNothing(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("alice", "bob")
	c := newCore(t, env)
	c.p2p("alice", "bob", "x")
	conv := mq.P2PConversation("alice", "bob")
	_, before := listOf(t, env, "alice")
	const u, d, r, s = "/v1/conversation/updateConversation", "/v1/conversation/deleteConversation", "/v1/conversation/readConversation", "/v1/conversation/syncConversationList"
	tests := []struct {
		name, as, path string
		body           any
		code           int
	}{
		{"update: malformed", "alice", u, `{"conversationId":`, 1001},
		{"update: no conversationId", "alice", u, map[string]any{"isTop": 1}, 1002},
		{"update: no flag", "alice", u, map[string]any{"conversationId": conv}, 1002},
		{"update: flag 2", "alice", u, map[string]any{"conversationId": conv, "isTop": 2}, 1002},
		{"update: wrong type", "alice", u, `{"conversationId":"` + conv + `","isTop":"yes"}`, 1002},
		{"update: bad id", "alice", u, map[string]any{"conversationId": "0_alice_bob", "isTop": 1}, 1002},
		{"update: someone else's pair", "alice", u, map[string]any{"conversationId": mq.P2PConversation("bob", "carol"), "isTop": 1}, 8000},
		{"update: unknown conversation", "alice", u, map[string]any{"conversationId": mq.P2PConversation("alice", "zed"), "isTop": 1}, 8000},
		{"update: other owner", "alice", u, map[string]any{"conversationId": conv, "fromId": "bob", "isTop": 1}, 2005},
		{"update: operator spoof", "alice", u, map[string]any{"conversationId": conv, "operater": "bob", "isTop": 1}, 2005},
		{"delete: unknown group", "alice", d, map[string]any{"conversationId": mq.GroupConversation("g404")}, 8000},
		{"delete: other owner", "bob", d, map[string]any{"conversationId": conv, "fromId": "alice"}, 2005},
		{"read: no sequence", "alice", r, map[string]any{"conversationId": conv}, 1002},
		{"read: negative", "alice", r, map[string]any{"conversationId": conv, "readSequence": -1}, 1002},
		{"read: trailing data", "alice", r, `{"conversationId":"` + conv + `","readSequence":1} {}`, 1001},
		{"sync: no lastSequence", "alice", s, map[string]any{"maxLimit": 10}, 1002},
		{"sync: negative limit", "alice", s, map[string]any{"lastSequence": 0, "maxLimit": -1}, 1002},
		{"sync: other owner", "bob", s, map[string]any{"lastSequence": 0, "fromId": "alice"}, 2005},
		{"list: negative offset", "alice", "/v1/conversation/getConversationList", map[string]any{"offset": -1}, 1002},
		{"unread: other owner", "bob", "/v1/conversation/getUnreadCount", map[string]any{"fromId": "alice"}, 2005},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.Call(tt.as, tt.path, tt.body).WantCode(t, tt.code)
		})
	}
	if _, after := listOf(t, env, "alice"); !slices.Equal(after, before) {
		t.Errorf("a refused request changed alice's row: %+v, was %+v", after, before)
	}
	if n := len(env.Pushes.All()); n != 0 {
		t.Errorf("%d pushes from refused requests", n)
	}
}

// WhaleShark's sync used sequence >= last (re-sending the last row
// forever) and the whole app's max sequence (so completed was wrong).
func TestSyncStrictlyAfterWithOwnMaxSequence(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("alice", "bob", "carol", "dave")
	c := newCore(t, env)
	c.p2p("alice", "bob", "1")
	for range 5 {
		c.p2p("carol", "dave", "busy") // bumps the app's counter, not alice's rows
	}
	c.p2p("bob", "alice", "2")
	sync := func(last int64, limit int) conversation.Page {
		var p conversation.Page
		env.Call("alice", "/v1/conversation/syncConversationList", map[string]any{"lastSequence": last, "maxLimit": limit}).WantCode(t, 200).Decode(t, &p)
		return p
	}
	p := sync(0, 10)
	if len(p.DataList) != 1 || !p.Completed || p.MaxSequence != p.DataList[0].Sequence {
		t.Fatalf("first sync = %+v", p)
	}
	again := sync(p.MaxSequence, 10)
	if len(again.DataList) != 0 || !again.Completed || again.MaxSequence != p.MaxSequence {
		t.Errorf("sync from maxSequence = %+v, want empty and completed", again)
	}
}

// Random changes followed by paged incremental syncs from the client's
// last sequence reconstruct exactly the server's rows.
func TestSyncReconstructsStateProperty(t *testing.T) {
	env := apitest.Start(t)
	peers := []string{"p0", "p1", "p2", "p3", "p4", "p5"}
	env.ImportUsers(append(slices.Clone(peers), "alice")...)
	c := newCore(t, env)
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	client := map[string]conversation.Conversation{}
	var last int64
	for round := range 12 {
		for range 1 + rng.IntN(8) {
			randomChange(t, env, c, rng, peers)
		}
		limit := 1 + rng.IntN(4)
		for pages := 0; ; pages++ {
			var p conversation.Page
			env.Call("alice", "/v1/conversation/syncConversationList", map[string]any{"lastSequence": last, "maxLimit": limit}).WantCode(t, 200).Decode(t, &p)
			for _, row := range p.DataList {
				if row.Sequence <= last {
					t.Fatalf("round %d: row %d not after %d", round, row.Sequence, last)
				}
				client[row.ConversationID], last = row, row.Sequence
			}
			if p.Completed || pages > 100 {
				break
			}
		}
		server, err := c.db.ConversationsAfter(t.Context(), env.AppID, "alice", 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(server) != len(client) {
			t.Fatalf("round %d: client has %d rows, server %d", round, len(client), len(server))
		}
		for _, want := range server {
			got := client[want.ConversationID]
			got.Unread = 0
			if got != want {
				t.Fatalf("round %d: client %+v\nserver %+v", round, got, want)
			}
		}
	}
}

func randomChange(t *testing.T, env *apitest.Env, c *core, rng *rand.Rand, peers []string) {
	peer := peers[rng.IntN(len(peers))]
	conv := mq.P2PConversation("alice", peer)
	switch op := rng.IntN(5); {
	case op == 0 || c.seq[conv] == 0:
		if rng.IntN(2) == 0 {
			c.p2p(peer, "alice", "in")
		} else {
			c.p2p("alice", peer, "out")
		}
	case op == 1:
		env.Call("alice", "/v1/conversation/updateConversation", map[string]any{"conversationId": conv, "isTop": rng.IntN(2), "isMute": rng.IntN(2)}).WantCode(t, 200)
	case op == 2:
		env.Call("alice", "/v1/conversation/deleteConversation", map[string]any{"conversationId": conv}).WantCode(t, 200)
	default:
		env.Call("alice", "/v1/conversation/readConversation", map[string]any{"conversationId": conv, "readSequence": rng.Int64N(c.seq[conv] + 1)}).WantCode(t, 200)
	}
}

// A group message upserts every member's row in one transaction; replays
// and late (out-of-order) messages never move max_seq back.
func TestGroupFanOutAndIdempotence(t *testing.T) {
	const fanOut = 500
	env := apitest.Start(t)
	members := make([]string, fanOut)
	for i := range members {
		members[i] = fmt.Sprintf("m%03d", i)
	}
	c := newCore(t, env)
	c.group("g1", "m000", members)
	start := time.Now()
	const n = 5
	for range n {
		c.group("g1", "m001", members)
	}
	perMsg := time.Since(start) / n
	t.Logf("group fan-out: %v per message for %d owners", perMsg, len(members))
	late := conversation.LastMessage{MessageKey: 1, FromID: "m002", Preview: "late", Time: 1}
	if err := c.svc.OnMessage(t.Context(), env.AppID, mq.GroupConversation("g1"), mq.Group, members[:3], "g1", 2, late); err != nil {
		t.Fatal(err)
	}
	c.flush()
	var rows []struct {
		MaxSeq         int64
		LastMsgPreview string
		PeerID         string
	}
	c.db.Gorm.Raw("SELECT max_seq, last_msg_preview, peer_id FROM conversations WHERE app_id = ? AND conversation_id = ?", env.AppID, mq.GroupConversation("g1")).Scan(&rows)
	if len(rows) != fanOut {
		t.Fatalf("%d rows, want %d", len(rows), fanOut)
	}
	for _, r := range rows {
		if r.MaxSeq != n+1 || r.LastMsgPreview != "hello group" || r.PeerID != "g1" {
			t.Fatalf("row = %+v", r)
		}
	}
	var marked int64
	c.db.Gorm.Raw("SELECT COUNT(*) FROM user_sequences WHERE app_id = ? AND module = ?", env.AppID, conversation.Module).Scan(&marked)
	if marked != fanOut {
		t.Errorf("%d users with a conversation sequence, want %d", marked, fanOut)
	}
}

// Messages, reads and updates racing on the same rows neither deadlock nor
// lose a read position.
func TestConcurrentMessagesAndReads(t *testing.T) {
	env := apitest.Start(t)
	env.ImportUsers("alice", "bob")
	c := newCore(t, env)
	c.p2p("alice", "bob", "first")
	conv := mq.P2PConversation("alice", "bob")
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if i%2 == 0 {
				c.p2p("alice", "bob", "m")
				return
			}
			if err := c.svc.MarkRead(context.Background(), env.AppID, "bob", conv, int64(i)); err != nil {
				t.Errorf("MarkRead: %v", err)
			}
			if err := c.svc.Flush(context.Background()); err != nil {
				t.Errorf("flush: %v", err)
			}
		})
	}
	wg.Wait()
	if err := c.svc.MarkRead(t.Context(), env.AppID, "bob", conv, 19); err != nil {
		t.Fatal(err)
	}
	c.flush()
	_, list := listOf(t, env, "bob")
	if len(list) != 1 || list[0].ReadSeq != 11 || list[0].MaxSeq != 11 {
		t.Errorf("after the race: %+v, want read and max 11 (reads stop at the last seq)", list)
	}
}
