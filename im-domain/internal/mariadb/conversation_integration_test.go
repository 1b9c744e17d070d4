//go:build integration

package mariadb_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/conversation"
	"github.com/whaleim/whaleim/im-domain/internal/mariadb"
)

// conversationService is one node's conversation feature. Its allocator
// allows every seq: these tests send without the message core.
func conversationService(db *mariadb.DB) *conversation.Service {
	return conversation.NewService(db, nil, unbounded{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

type unbounded struct{}

func (unbounded) Allocated(_ context.Context, _ uint32, convs []string) (map[string]int64, error) {
	out := make(map[string]int64, len(convs))
	for _, c := range convs {
		out[c] = 1 << 62
	}
	return out, nil
}

func members(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%03d", prefix, i)
	}
	return out
}

// sender sends messages in one conversation: a 1:1 between its first two
// owners, or a group. flushEvery messages it flushes its service.
type sender struct {
	flushEvery int
	conv, peer string
	kind       mq.ConversationKind
	owners     []string
	seq        int64
}

func newSender(name string, owners []string) *sender {
	if len(owners) == 2 {
		return &sender{conv: mq.P2PConversation(owners[0], owners[1]), peer: owners[1], kind: mq.P2P, owners: owners}
	}
	return &sender{conv: mq.GroupConversation(name), peer: name, kind: mq.Group, owners: owners}
}

func (s *sender) send(ctx context.Context, svc *conversation.Service, app uint32) error {
	s.seq++
	last := conversation.LastMessage{MessageKey: s.seq, FromID: s.owners[0], Preview: "hi", Time: time.Now().UnixMilli()}
	if err := svc.OnMessage(ctx, app, s.conv, s.kind, s.owners, s.peer, s.seq, last); err != nil {
		return err
	}
	if s.seq%int64(max(s.flushEvery, 1)) != 0 {
		return nil
	}
	return svc.Flush(ctx)
}

// Concurrent flushes (one node per sender) of messages in conversations
// with overlapping owners (a 300-owner group among them) neither deadlock
// nor share a sequence within one user's list, and each user's mark is the
// sequence of their newest row.
func TestConversationUserSequencesConcurrent(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *mariadb.DB) {
		app := apitest.RandomAppID()
		big := members("u", 300)
		senders := []*sender{
			newSender("big", big),
			newSender("small", []string{"u000", "u001", "u150", "u299", "x1"}),
			newSender("", []string{"u000", "u001"}),
			newSender("", []string{"u299", "x1"}),
			newSender("mid", append(members("u", 40)[10:], "x1", "x2")),
			newSender("tail", big[250:]),
			newSender("", []string{"u150", "x2"}),
			newSender("odd", []string{"x2", "u010", "u260", "u000"}),
		}
		var wg sync.WaitGroup
		for _, s := range senders {
			svc := conversationService(db)
			wg.Go(func() {
				for range 15 {
					if err := s.send(t.Context(), svc, app); err != nil {
						t.Errorf("%s: %v", s.conv, err)
						return
					}
				}
			})
		}
		wg.Wait()
		var rows []struct {
			OwnerID  string
			Sequence int64
		}
		db.Gorm.Raw("SELECT owner_id, sequence FROM conversations WHERE app_id = ? ORDER BY owner_id, sequence", app).Scan(&rows)
		newest := map[string]int64{}
		for i, r := range rows {
			if i > 0 && rows[i-1].OwnerID == r.OwnerID && rows[i-1].Sequence == r.Sequence {
				t.Errorf("%s has two rows with sequence %d", r.OwnerID, r.Sequence)
			}
			newest[r.OwnerID] = r.Sequence
		}
		if len(newest) != 302 {
			t.Errorf("%d owners with rows, want 302", len(newest))
		}
		for owner, seq := range newest {
			marks, err := db.UserSequences(t.Context(), app, owner)
			if err != nil || marks[conversation.Module] != seq {
				t.Errorf("%s: mark %v (%v), newest row %d", owner, marks, err, seq)
			}
		}
	})
}

// BenchmarkOnMessage: one sender (ms/op) and four concurrent senders (one
// node each) in four conversations with disjoint owners (msgs/s), for a 1:1
// message and a 500-member group message, flushed after every message (the
// write-behind's worst case: one message per interval) or every 50.
func BenchmarkOnMessage(b *testing.B) {
	db, err := mariadb.Open(b.Context(), apitest.DSN(b), 10)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	for _, n := range []int{2, 500} {
		for _, senders := range []int{1, 4} {
			for _, every := range []int{1, 50} {
				b.Run(fmt.Sprintf("owners=%d/senders=%d/flushEvery=%d", n, senders, every), func(b *testing.B) {
					benchSenders(b, db, n, senders, every)
				})
			}
		}
	}
}

func benchSenders(b *testing.B, db *mariadb.DB, owners, senders, every int) {
	app := apitest.RandomAppID()
	ss := make([]*sender, senders)
	svcs := make([]*conversation.Service, senders)
	for i := range ss {
		ss[i] = newSender(fmt.Sprintf("g%d", i), members(fmt.Sprintf("s%d-", i), owners))
		svcs[i] = conversationService(db)
		if err := ss[i].send(b.Context(), svcs[i], app); err != nil { // rows exist: steady state
			b.Fatal(err)
		}
		ss[i].flushEvery = every
	}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i, s := range ss {
		wg.Go(func() {
			for j := i; j < b.N; j += senders {
				if err := s.send(b.Context(), svcs[i], app); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// One flush with several rows of one owner gives each row its own sync
// sequence (the owner's counter advances by the number of rows, and the
// mark is the newest row's); reads move existing rows only; receive
// cursors only move forward.
func TestWriteBehind_OneFlush(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *mariadb.DB) {
		app := apitest.RandomAppID()
		row := func(owner, peer string, seq int64) conversation.Row {
			return conversation.Row{AppID: app, Owner: owner, ConversationID: mq.P2PConversation(owner, peer), Type: conversation.P2P,
				PeerID: peer, MaxSeq: seq, Last: conversation.LastMessage{MessageKey: seq, FromID: peer, Preview: "hi", Time: seq}}
		}
		pos := func(owner, peer string, seq int64) conversation.Position {
			return conversation.Position{AppID: app, Owner: owner, ConversationID: mq.P2PConversation(owner, peer), Seq: seq}
		}
		first := conversation.Batch{
			Rows:     []conversation.Row{row("alice", "bob", 3), row("alice", "carol", 1), row("alice", "dave", 7), row("bob", "alice", 3)},
			Received: []conversation.Position{pos("bob", "alice", 3)},
		}
		if missing, err := db.WriteBehind(t.Context(), first); err != nil || len(missing) != 0 {
			t.Fatalf("first flush: %v, missing %v", err, missing)
		}
		second := conversation.Batch{
			Reads:    []conversation.Position{pos("alice", "dave", 5), pos("alice", "erin", 2)},
			Received: []conversation.Position{pos("bob", "alice", 2)},
		}
		missing, err := db.WriteBehind(t.Context(), second)
		if err != nil || len(missing) != 1 || missing[0] != pos("alice", "erin", 2) {
			t.Fatalf("second flush: %v, missing %v; want only alice-erin missing", err, missing)
		}
		var rows []struct {
			ConversationID string
			ReadSeq        int64
			Sequence       int64
		}
		db.Gorm.Raw("SELECT conversation_id, read_seq, sequence FROM conversations WHERE app_id = ? AND owner_id = 'alice' ORDER BY sequence", app).Scan(&rows)
		if len(rows) != 3 || rows[0].Sequence != 1 || rows[1].Sequence != 2 || rows[2].Sequence != 4 {
			t.Fatalf("alice's rows %+v, want sequences 1, 2 and 4 (the read moved one row again)", rows)
		}
		if last := rows[2]; last.ConversationID != mq.P2PConversation("alice", "dave") || last.ReadSeq != 5 {
			t.Errorf("read row = %+v, want alice-dave read 5", last)
		}
		marks, err := db.UserSequences(t.Context(), app, "alice")
		if err != nil || marks[conversation.Module] != 4 {
			t.Errorf("alice's mark %v (%v), want 4", marks, err)
		}
		var recv int64
		db.Gorm.Raw("SELECT recv_seq FROM im_message_user_conv WHERE app_id = ? AND user_id = 'bob'", app).Scan(&recv)
		if recv != 3 {
			t.Errorf("bob's receive cursor = %d, want 3 (never back)", recv)
		}
	})
}
