package store

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/rabbit"
)

// fakeWriter records the batches it is given and fails as told.
type fakeWriter struct {
	mu      sync.Mutex
	batches [][]mq.StoreRecord
	fail    func(recs []mq.StoreRecord) error
	refuse  func(r mq.StoreRecord) bool // records reported as conflicts
}

func (w *fakeWriter) Write(_ context.Context, recs []mq.StoreRecord) (result, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.batches = append(w.batches, recs)
	if w.fail != nil {
		if err := w.fail(recs); err != nil {
			return result{}, err
		}
	}
	var res result
	for i, r := range recs {
		if w.refuse != nil && w.refuse(r) {
			res.Refused = append(res.Refused, refusal{index: i, err: refuse(kindConflict, "taken")})
			continue
		}
		res.Inserted++
	}
	return res, nil
}

type fakePublisher struct {
	mu   sync.Mutex
	sent []mq.Publishing
	to   []string
	err  error
}

func (p *fakePublisher) Publish(_ context.Context, exchange, _ string, msg mq.Publishing) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	p.sent, p.to = append(p.sent, msg), append(p.to, exchange)
	return nil
}

func newTestConsumer(w writer, p publisher, budget time.Duration) *consumer {
	return &consumer{
		w: w, dead: p, names: newNames("t.", mq.Classic), budget: budget,
		log: slog.New(slog.NewTextHandler(io.Discard, nil)), m: newMetrics(prometheus.NewRegistry()),
	}
}

func delivery(t testing.TB, op mq.StoreOp, m mq.Message) mq.Delivery {
	return mq.Delivery{Body: encode(t, mq.StoreRecord{Version: 1, Op: op, Message: m}), MessageID: m.MessageID}
}

func TestHandle_RefusedRecordsAreDeadLetteredAlone(t *testing.T) {
	w := &fakeWriter{refuse: func(r mq.StoreRecord) bool { return r.Message.Seq == 4 }}
	p := &fakePublisher{}
	c := newTestConsumer(w, p, time.Second)
	batch := []mq.Delivery{
		delivery(t, mq.OpInsert, p2p(1)),
		{Body: []byte("not json"), MessageID: "bad-json", Headers: map[string]any{"h": "kept"}},
		delivery(t, mq.OpRecall, p2p(1)),
		{Body: encode(t, mq.StoreRecord{Version: 9, Op: mq.OpInsert, Message: p2p(2)}), MessageID: "v9"},
		delivery(t, mq.OpInsert, p2p(4)), // the writer reports a key conflict
		delivery(t, mq.OpInsert, p2p(5)),
	}
	if err := c.handle(t.Context(), batch); err != nil {
		t.Fatalf("handle: %v", err)
	}
	if len(w.batches) != 1 || len(w.batches[0]) != 4 {
		t.Fatalf("writer got %d batches (%v), want one of 4 records", len(w.batches), w.batches)
	}
	for i, want := range []int64{1, 1, 4, 5} {
		if got := w.batches[0][i].Message.Seq; got != want {
			t.Errorf("record %d seq %d, want %d (queue order kept)", i, got, want)
		}
	}
	wantDead := []struct{ id, reason string }{{"bad-json", kindUndecodable}, {"v9", kindUnsupported}, {p2p(4).MessageID, kindConflict}}
	if len(p.sent) != len(wantDead) {
		t.Fatalf("dead-lettered %d, want %d", len(p.sent), len(wantDead))
	}
	for i, want := range wantDead {
		got := p.sent[i]
		reason, _ := got.Headers[HeaderReason].(string)
		if got.MessageID != want.id || !strings.HasPrefix(reason, want.reason) || !got.Persistent ||
			got.Headers[HeaderQueue] != "t.im.store.messages" || p.to[i] != "t.im.dead" {
			t.Errorf("dead letter %d = %+v to %s, want id %s reason %s", i, got, p.to[i], want.id, want.reason)
		}
	}
	if p.sent[0].Headers["h"] != "kept" || string(p.sent[0].Body) != "not json" {
		t.Errorf("dead letter must carry the original body and headers: %+v", p.sent[0])
	}
	if got := testutil.ToFloat64(c.m.dead.WithLabelValues(kindUndecodable)); got != 1 {
		t.Errorf("dead_lettered{undecodable} = %v", got)
	}
}

// A StoreBatch delivery is written with the other deliveries of the
// consumer batch in one call; its refused records go to the dead-letter
// queue alone, each as a single record, and the rest of it is stored.
func TestHandle_StoreBatchDeliveries(t *testing.T) {
	w := &fakeWriter{refuse: func(r mq.StoreRecord) bool { return r.Message.Seq == 3 }}
	p := &fakePublisher{}
	c := newTestConsumer(w, p, time.Second)
	invalid := p2p(2)
	invalid.Time = 0
	recs := []mq.StoreRecord{
		{Version: 1, Op: mq.OpInsert, Message: p2p(1)},
		{Version: 1, Op: mq.OpInsert, Message: invalid},
		{Version: 1, Op: mq.OpInsert, Message: p2p(3)}, // the writer reports a key conflict
		{Version: 1, Op: mq.OpRecall, Message: p2p(1)},
	}
	batch := []mq.Delivery{
		{Body: encodeBatch(t, recs...), MessageID: "batch-1", Headers: map[string]any{"h": "kept"}},
		delivery(t, mq.OpInsert, p2p(4)),
		{Body: encodeBatch(t, mq.StoreRecord{Version: 1, Op: mq.OpInsert, Message: p2p(5)}), MessageID: "batch-2"},
	}
	if err := c.handle(t.Context(), batch); err != nil {
		t.Fatalf("handle: %v", err)
	}
	if len(w.batches) != 1 {
		t.Fatalf("writer got %d batches, want one transaction", len(w.batches))
	}
	var seqs []int64
	for _, r := range w.batches[0] {
		seqs = append(seqs, r.Message.Seq)
	}
	if !slices.Equal(seqs, []int64{1, 3, 1, 4, 5}) {
		t.Errorf("written seqs %v, want [1 3 1 4 5] (queue order, invalid record left out)", seqs)
	}
	if len(p.sent) != 2 {
		t.Fatalf("dead-lettered %d, want 2", len(p.sent))
	}
	for i, want := range []struct {
		msg    mq.Message
		reason string
	}{{invalid, kindInvalid}, {p2p(3), kindConflict}} {
		got := p.sent[i]
		one, err := decode(got.Body)
		reason, _ := got.Headers[HeaderReason].(string)
		if err != nil || len(one) != 1 || one[0].Message != want.msg || got.MessageID != want.msg.MessageID ||
			!strings.HasPrefix(reason, want.reason) || got.Headers["h"] != "kept" {
			t.Errorf("dead letter %d = %s (%v) reason %q, want the single record seq %d, reason %s",
				i, got.Body, err, reason, want.msg.Seq, want.reason)
		}
	}
	if got := testutil.ToFloat64(c.m.inserted); got != 4 {
		t.Errorf("inserted %v, want 4", got)
	}
}

func encodeBatch(t testing.TB, recs ...mq.StoreRecord) []byte {
	t.Helper()
	return mq.AppendStoreRecords(nil, recs)
}

func TestHandle_OnlyBadRecordsSkipsTheWriter(t *testing.T) {
	w, p := &fakeWriter{}, &fakePublisher{}
	c := newTestConsumer(w, p, time.Second)
	if err := c.handle(t.Context(), []mq.Delivery{{Body: []byte("x")}}); err != nil {
		t.Fatal(err)
	}
	if len(w.batches) != 0 || len(p.sent) != 1 {
		t.Fatalf("writer calls %d, dead letters %d", len(w.batches), len(p.sent))
	}
}

func TestHandle_DatabaseErrorFailsTheWholeBatch(t *testing.T) {
	down := errors.New("connection refused")
	w := &fakeWriter{fail: func([]mq.StoreRecord) error { return down }}
	p := &fakePublisher{}
	c := newTestConsumer(w, p, 300*time.Millisecond)
	batch := []mq.Delivery{delivery(t, mq.OpInsert, p2p(1)), {Body: []byte("bad")}}
	start := time.Now()
	err := c.handle(t.Context(), batch)
	if !errors.Is(err, down) || errors.Is(err, mq.ErrPermanent) {
		t.Fatalf("handle = %v, want the retryable database error (nack, no ack)", err)
	}
	if len(w.batches) < 2 {
		t.Errorf("writer tried %d times, want in-process retries", len(w.batches))
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("retries overran the budget: %v", time.Since(start))
	}
	if len(p.sent) != 0 {
		t.Errorf("nothing may be dead-lettered before the batch commits: %d sent", len(p.sent))
	}
	if got := testutil.ToFloat64(c.m.batches.WithLabelValues("failed")); got != 1 {
		t.Errorf("batches{failed} = %v", got)
	}
}

func TestHandle_RecoversWithinBudget(t *testing.T) {
	calls := 0
	w := &fakeWriter{fail: func([]mq.StoreRecord) error {
		if calls++; calls < 3 {
			return errors.New("deadlock")
		}
		return nil
	}}
	c := newTestConsumer(w, &fakePublisher{}, 10*time.Second)
	if err := c.handle(t.Context(), []mq.Delivery{delivery(t, mq.OpInsert, p2p(1))}); err != nil {
		t.Fatalf("handle: %v", err)
	}
	if calls != 3 || testutil.ToFloat64(c.m.inserted) != 1 || testutil.ToFloat64(c.m.retries) != 2 {
		t.Errorf("calls %d inserted %v retries %v", calls, testutil.ToFloat64(c.m.inserted), testutil.ToFloat64(c.m.retries))
	}
}

func TestHandle_StopsRetryingWhenCancelled(t *testing.T) {
	w := &fakeWriter{fail: func([]mq.StoreRecord) error { return errors.New("down") }}
	c := newTestConsumer(w, &fakePublisher{}, time.Minute)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := c.handle(ctx, []mq.Delivery{delivery(t, mq.OpInsert, p2p(1))}); err == nil {
		t.Fatal("want an error")
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("handle ignored cancellation for %v", time.Since(start))
	}
}

func TestHandle_DataErrorRefusesOnlyTheCulprit(t *testing.T) {
	tooLong := &mysqldriver.MySQLError{Number: 1406, Message: "Data too long for column 'body'"}
	w := &fakeWriter{fail: func(recs []mq.StoreRecord) error {
		for _, r := range recs {
			if r.Message.Seq == 2 {
				return tooLong
			}
		}
		return nil
	}}
	p := &fakePublisher{}
	c := newTestConsumer(w, p, time.Minute)
	batch := []mq.Delivery{delivery(t, mq.OpInsert, p2p(1)), delivery(t, mq.OpInsert, p2p(2)), delivery(t, mq.OpInsert, p2p(3))}
	if err := c.handle(t.Context(), batch); err != nil {
		t.Fatalf("handle: %v", err)
	}
	if len(p.sent) != 1 || p.sent[0].MessageID != p2p(2).MessageID {
		t.Fatalf("dead letters %+v, want only seq 2", p.sent)
	}
	if reason := p.sent[0].Headers[HeaderReason].(string); !strings.HasPrefix(reason, kindData) {
		t.Errorf("reason %q", reason)
	}
	if got := testutil.ToFloat64(c.m.inserted); got != 2 {
		t.Errorf("inserted %v, want 2", got)
	}
}

func TestHandle_DeadLetterFailureFailsTheBatch(t *testing.T) {
	p := &fakePublisher{err: rabbit.ErrNotConfirmed}
	c := newTestConsumer(&fakeWriter{}, p, time.Second)
	err := c.handle(t.Context(), []mq.Delivery{delivery(t, mq.OpInsert, p2p(1)), {Body: []byte("bad")}})
	if !errors.Is(err, rabbit.ErrNotConfirmed) {
		t.Fatalf("handle = %v, want the publish error so the batch is redelivered", err)
	}
}

func TestRetryPause(t *testing.T) {
	for attempt := range 20 {
		d := retryPause(attempt)
		if d < 25*time.Millisecond || d > 5*time.Second {
			t.Errorf("retryPause(%d) = %v", attempt, d)
		}
	}
}
