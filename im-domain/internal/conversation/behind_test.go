package conversation

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-common/mq"
)

// fakeStore records write-behind batches; missing reads and failures as told.
type fakeStore struct {
	Store
	batches []Batch
	fail    error
	rows    map[posKey]bool // rows that exist for reads
}

func (f *fakeStore) WriteBehind(_ context.Context, b Batch) ([]Position, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	f.batches = append(f.batches, b)
	var missing []Position
	for _, r := range b.Reads {
		if !f.rows[posKey{r.AppID, r.Owner, r.ConversationID}] {
			missing = append(missing, r)
		}
	}
	for _, r := range b.Rows {
		f.rows[posKey{r.AppID, r.Owner, r.ConversationID}] = true
	}
	return missing, nil
}

type fixedAlloc map[string]int64

func (a fixedAlloc) Allocated(_ context.Context, _ uint32, convs []string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, c := range convs {
		if seq, ok := a[c]; ok {
			out[c] = seq
		}
	}
	return out, nil
}

func newTestService(st *fakeStore, alloc Allocator) *Service {
	return NewService(st, nil, alloc, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func TestWriteBehind_CoalescesAndClamps(t *testing.T) {
	ab, g := mq.P2PConversation("alice", "bob"), mq.GroupConversation("g1")
	st := &fakeStore{rows: map[posKey]bool{}}
	s := newTestService(st, fixedAlloc{ab: 3, g: 2})
	ctx := t.Context()
	for seq := int64(1); seq <= 3; seq++ { // three messages, alternating senders
		from, to := "alice", "bob"
		if seq == 2 {
			from, to = to, from
		}
		last := LastMessage{MessageKey: 100 + seq, FromID: from, Preview: "m" + strings.Repeat("!", int(seq)), Time: seq}
		if err := s.OnMessage(ctx, 1, ab, mq.P2P, []string{from, to}, to, seq, last); err != nil {
			t.Fatal(err)
		}
	}
	must(t, s.MarkRead(ctx, 1, "bob", ab, 99))               // past the last seq: clamped to 3
	must(t, s.Received(ctx, 1, "bob", ab, 7))                // clamped to 3
	must(t, s.Received(ctx, 1, "carol", g, 1))               // forward only: 2 wins
	must(t, s.Received(ctx, 1, "carol", g, 2))               //
	must(t, s.Received(ctx, 1, "carol", "group:nothing", 5)) // nothing allocated: dropped
	must(t, s.Flush(ctx))
	if len(st.batches) != 1 {
		t.Fatalf("%d batches, want 1", len(st.batches))
	}
	b := st.batches[0]
	slices.SortFunc(b.Rows, func(x, y Row) int { return strings.Compare(x.Owner, y.Owner) })
	want := []Row{
		{AppID: 1, Owner: "alice", ConversationID: ab, Type: P2P, PeerID: "bob", MaxSeq: 3, ReadSeq: 3},
		{AppID: 1, Owner: "bob", ConversationID: ab, Type: P2P, PeerID: "alice", MaxSeq: 3, ReadSeq: 3},
	}
	for i := range want {
		want[i].Last = LastMessage{MessageKey: 103, FromID: "alice", Preview: "m!!!", Time: 3}
	}
	if !slices.Equal(b.Rows, want) || len(b.Reads) != 0 {
		t.Errorf("rows %+v reads %+v\nwant rows %+v", b.Rows, b.Reads, want)
	}
	slices.SortFunc(b.Received, func(x, y Position) int { return strings.Compare(x.Owner, y.Owner) })
	wantRecv := []Position{{1, "bob", ab, 3}, {1, "carol", g, 2}}
	if !slices.Equal(b.Received, wantRecv) {
		t.Errorf("received %+v, want %+v", b.Received, wantRecv)
	}
	must(t, s.Flush(ctx))
	if len(st.batches) != 1 {
		t.Error("an empty buffer was written")
	}
}

func TestWriteBehind_FailedFlushKeepsChanges(t *testing.T) {
	ab := mq.P2PConversation("alice", "bob")
	down := errors.New("mysql down")
	st := &fakeStore{rows: map[posKey]bool{}, fail: down}
	s := newTestService(st, fixedAlloc{ab: 10})
	ctx := t.Context()
	must(t, s.OnMessage(ctx, 1, ab, mq.P2P, []string{"alice", "bob"}, "bob", 4, LastMessage{FromID: "alice", MessageKey: 4}))
	must(t, s.Received(ctx, 1, "bob", ab, 4))
	if err := s.Flush(ctx); !errors.Is(err, down) {
		t.Fatalf("flush = %v, want the store's error", err)
	}
	must(t, s.OnMessage(ctx, 1, ab, mq.P2P, []string{"alice", "bob"}, "alice", 5, LastMessage{FromID: "bob", MessageKey: 5}))
	st.fail = nil
	must(t, s.Flush(ctx))
	if len(st.batches) != 1 || len(st.batches[0].Rows) != 2 || len(st.batches[0].Received) != 1 {
		t.Fatalf("batches %+v", st.batches)
	}
	for _, r := range st.batches[0].Rows {
		wantRead := map[string]int64{"alice": 4, "bob": 5}[r.Owner] // each sender read its own message
		if r.MaxSeq != 5 || r.Last.MessageKey != 5 || r.ReadSeq != wantRead {
			t.Errorf("row after retry = %+v", r)
		}
	}
}

func TestWriteBehind_ReadWithoutRowWaitsThenDrops(t *testing.T) {
	ab, bz := mq.P2PConversation("alice", "bob"), mq.P2PConversation("bob", "zed")
	st := &fakeStore{rows: map[posKey]bool{}}
	s := newTestService(st, fixedAlloc{ab: 10, bz: 10})
	ctx := t.Context()
	must(t, s.MarkRead(ctx, 1, "bob", ab, 2))
	must(t, s.Flush(ctx)) // no row yet: kept
	must(t, s.OnMessage(ctx, 1, ab, mq.P2P, []string{"alice", "bob"}, "bob", 2, LastMessage{FromID: "alice"}))
	must(t, s.Flush(ctx)) // the row comes with this flush, the read with it
	last := st.batches[len(st.batches)-1]
	if len(last.Rows) != 2 || last.Rows[0].ReadSeq != 2 || last.Rows[1].ReadSeq != 2 {
		t.Errorf("late read not applied with its row: %+v", last)
	}
	must(t, s.MarkRead(ctx, 1, "bob", bz, 1))
	for range lateReads + 2 {
		must(t, s.Flush(ctx))
	}
	if n := len(st.batches); n != 2+lateReads+1 {
		t.Errorf("%d batches: a read without a row must be retried %d times, then dropped", n, lateReads)
	}
	if err := s.MarkRead(ctx, 1, "bob", mq.P2PConversation("alice", "carol"), 1); err == nil {
		t.Error("a read in someone else's conversation was accepted")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
