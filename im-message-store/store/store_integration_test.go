//go:build integration

package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/whaleim/whaleim/im-common/messagedb"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/rabbit"
	"github.com/whaleim/whaleim/im-common/testwait"
)

// lostAcks wraps the real queue and turns the first n successful batches
// into failures after they committed, as if the ack had been lost: the
// broker redelivers batches that are already in MySQL.
type lostAcks struct {
	Queue
	n    atomic.Int32
	lost atomic.Int32
}

func (q *lostAcks) ConsumeBatch(ctx context.Context, queue string, opts mq.BatchOptions, h mq.BatchHandler) error {
	return q.Queue.ConsumeBatch(ctx, queue, opts, func(ctx context.Context, b []mq.Delivery) error {
		if err := h(ctx, b); err != nil {
			return err
		}
		if q.n.Add(-1) >= 0 {
			q.lost.Add(1)
			return errors.New("test: ack lost after commit")
		}
		return nil
	})
}

func dialQueue(t testing.TB, cfg Config) Queue {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	n := newNames(cfg.MQPrefix, cfg.Rabbit.QueueType)
	conn, err := rabbit.Dial(ctx, cfg.Rabbit.URL, n.topology, testLog(t), rabbit.WithDeadLetterExchange(n.dead))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = conn.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return conn.Ports(1)
}

func TestStore_ExactlyOneRowPerMessage(t *testing.T) {
	dsn, db := testDatabase(t)
	url, prefix := testBroker(t, mq.Classic)
	cfg := testConfig(dsn, url, prefix, mq.Classic)
	cfg.Batch, cfg.Prefetch = 50, 100
	pub := newTestPublisher(t, url, prefix, mq.Classic)

	const n = 1000
	for i := range n {
		pub.mustSend(t, insert(message(i)))
		if i%5 == 0 { // a republish after an unconfirmed publish
			pub.mustSend(t, insert(message(i)))
		}
		if i%20 == 0 { // a late resend that got a second seq and key upstream
			m := message(i)
			m.Seq += 1_000_000
			m.MessageKey += 1_000_000
			pub.mustSend(t, insert(m))
		}
	}
	reg := prometheus.NewRegistry()
	q := &lostAcks{Queue: dialQueue(t, cfg)}
	q.n.Store(3)
	startStore(t, cfg, Deps{Log: testLog(t), Queue: q, Metrics: reg})

	testwait.Until(t, 60*time.Second, "all messages stored", func() bool { return countRows(t, db, "") >= n })
	m := newMetricsProbe(t, reg)
	testwait.Until(t, 30*time.Second, "queue drained", func() bool {
		return m.get("im_store_rows_inserted_total")+m.get("im_store_duplicates_total") >= n+n/5+n/20+float64(q.lost.Load())
	})
	if got := countRows(t, db, ""); got != n {
		t.Fatalf("rows = %d, want exactly %d", got, n)
	}
	var distinct int
	if err := db.QueryRow("SELECT COUNT(DISTINCT app_id, from_id, message_id) FROM im_message").Scan(&distinct); err != nil || distinct != n {
		t.Fatalf("distinct messages = %d (%v), want %d", distinct, err, n)
	}
	if q.lost.Load() != 3 || m.get("im_store_duplicates_total") < n/5+n/20 {
		t.Errorf("lost acks %d, duplicates %v: redeliveries were not exercised", q.lost.Load(), m.get("im_store_duplicates_total"))
	}
	assertRow(t, db, message(7))
	t.Logf("published %d messages + %d republished + %d resent; %d batches redelivered after commit; rows=%d duplicates_ignored=%v",
		n, n/5, n/20, q.lost.Load(), n, m.get("im_store_duplicates_total"))
}

// assertRow checks that m is stored field for field.
func assertRow(t testing.TB, db *sql.DB, m mq.Message) {
	t.Helper()
	var got mq.Message
	var kind string
	var created int64
	err := db.QueryRow(`SELECT app_id, conversation_id, seq, message_key, message_id, kind, from_id, to_id, group_id,
		body, extra, message_time, recalled, created_at FROM im_message WHERE app_id = ? AND from_id = ? AND message_id = ?`,
		m.AppID, m.FromID, m.MessageID).Scan(&got.AppID, &got.ConversationID, &got.Seq, &got.MessageKey, &got.MessageID,
		&kind, &got.FromID, &got.ToID, &got.GroupID, &got.Body, &got.Extra, &got.Time, &got.Recalled, &created)
	if err != nil {
		t.Fatalf("read %s: %v", m.MessageID, err)
	}
	got.Kind = mq.ConversationKind(kind)
	if got != m {
		t.Errorf("row = %+v\nwant  %+v", got, m)
	}
	if age := time.Since(time.UnixMilli(created)); age < 0 || age > time.Hour {
		t.Errorf("created_at %d is not a recent unix ms time", created)
	}
}

func TestStore_Recall(t *testing.T) {
	dsn, db := testDatabase(t)
	url, prefix := testBroker(t, mq.Classic)
	cfg := testConfig(dsn, url, prefix, mq.Classic)
	pub := newTestPublisher(t, url, prefix, mq.Classic)
	reg := prometheus.NewRegistry()
	startStore(t, cfg, Deps{Log: testLog(t), Metrics: reg})

	group := mq.Message{AppID: 10001, Kind: mq.Group, ConversationID: mq.GroupConversation("g1"), GroupID: "g1",
		FromID: "u1", MessageID: "group-1", MessageKey: 77, Seq: 1, Body: "to the group", Time: 1}
	pub.mustSend(t, insert(message(1)), insert(message(2)), insert(group))
	testwait.Until(t, 20*time.Second, "inserts stored", func() bool { return countRows(t, db, "") == 3 })

	early := message(3)
	pub.mustSend(t,
		recall(message(1)), recall(message(1)), // a recall and its redelivery
		recall(group),
		recall(early), insert(early), // the recall overtook its insert
	)
	testwait.Until(t, 20*time.Second, "recalls applied", func() bool { return countRows(t, db, "recalled = 1") == 3 })
	if got := countRows(t, db, ""); got != 4 {
		t.Fatalf("rows = %d, want 4 (recall must never add a second row)", got)
	}
	if countRows(t, db, "message_id = ? AND recalled = 0", message(2).MessageID) != 1 {
		t.Error("message 2 must stay unrecalled")
	}
	want := early
	want.Recalled = true
	assertRow(t, db, want) // stored complete, and recalled, although the recall came first
	m := newMetricsProbe(t, reg)
	testwait.Until(t, 10*time.Second, "metrics", func() bool { return m.get("im_store_recalled_total") == 3 })
}

func TestStore_PoisonGoesToDeadLetters(t *testing.T) {
	dsn, db := testDatabase(t)
	url, prefix := testBroker(t, mq.Quorum)
	cfg := testConfig(dsn, url, prefix, mq.Quorum)
	pub := newTestPublisher(t, url, prefix, mq.Quorum)
	startStore(t, cfg, Deps{Log: testLog(t)})

	pub.mustSend(t, insert(message(1)))
	testwait.Until(t, 20*time.Second, "first message stored", func() bool { return countRows(t, db, "") == 1 })
	taken := message(1)
	taken.MessageID, taken.MessageKey = "another-message", 99 // same conversation and seq as message 1: a seq reuse upstream
	invalid := message(3)
	invalid.Body = strings.Repeat("x", messagedb.MaxBodyBytes+1)
	batchInvalid := message(9)
	batchInvalid.MessageID, batchInvalid.Seq = "poison-in-batch", 0
	ctx := t.Context()
	for _, p := range []struct {
		id   string
		body []byte
	}{
		{"poison-json", []byte(`{"v":1,"op":`)},
		{"poison-version", encodeRecord(mq.StoreRecord{Version: 2, Op: mq.OpInsert, Message: message(4)})},
		{"poison-op", encodeRecord(mq.StoreRecord{Version: 1, Op: "edit", Message: message(5)})},
		{"poison-invalid", encodeRecord(insert(invalid))},
		{"poison-conflict", encodeRecord(insert(taken))},
		{"good", encodeRecord(insert(message(6)))},
		{"batch", encodeBatch(t, insert(message(7)), insert(batchInvalid), insert(message(8)))},
	} {
		if err := pub.raw(ctx, p.id, p.body); err != nil {
			t.Fatal(err)
		}
	}
	testwait.Until(t, 20*time.Second, "good messages stored", func() bool { return countRows(t, db, "") == 4 })
	want := map[string]string{
		"poison-json": kindUndecodable, "poison-version": kindUnsupported, "poison-op": kindUnsupported,
		"poison-invalid": kindInvalid, "poison-conflict": kindConflict, "poison-in-batch": kindInvalid,
	}
	var dead []string
	testwait.Until(t, 20*time.Second, "6 dead letters", func() bool {
		for _, d := range deadLetters(t, url, newNames(prefix, mq.Quorum)) {
			reason, _ := d.Headers[HeaderReason].(string)
			if k, ok := want[d.MessageId]; !ok || !strings.HasPrefix(reason, k) {
				t.Errorf("dead letter %s with reason %q", d.MessageId, reason)
			}
			dead = append(dead, d.MessageId)
		}
		return len(dead) >= len(want)
	})
	if len(dead) != len(want) {
		t.Errorf("dead letters %v, want %d", dead, len(want))
	}
	if countRows(t, db, "message_id = ?", taken.MessageID) != 0 || countRows(t, db, "message_id = ?", message(1).MessageID) != 1 {
		t.Error("a conflicting record must not replace the stored message")
	}
}

func TestStore_DatabaseOutageDelaysButLosesNothing(t *testing.T) {
	dsn, db := testDatabase(t)
	url, prefix := testBroker(t, mq.Classic)
	cfg := testConfig(dsn, url, prefix, mq.Classic)
	cfg.RetryBudget = 300 * time.Millisecond // hand batches back to the broker quickly
	pub := newTestPublisher(t, url, prefix, mq.Classic)
	reg := prometheus.NewRegistry()
	startStore(t, cfg, Deps{Log: testLog(t), Metrics: reg})
	pub.mustSend(t, insert(message(0)))
	testwait.Until(t, 20*time.Second, "store running", func() bool { return countRows(t, db, "") == 1 })

	if _, err := db.Exec("RENAME TABLE im_message TO im_message_away"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 100; i++ {
		pub.mustSend(t, insert(message(i)))
	}
	m := newMetricsProbe(t, reg)
	testwait.Until(t, 20*time.Second, "a failed batch handed back", func() bool { return m.get(`im_store_batches_total{result="failed"}`) >= 1 })
	if _, err := db.Exec("RENAME TABLE im_message_away TO im_message"); err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, 30*time.Second, "all stored after the outage", func() bool { return countRows(t, db, "") == 101 })
	if d := deadLetters(t, url, newNames(prefix, mq.Classic)); len(d) != 0 {
		t.Errorf("%d records dead-lettered by a database outage", len(d))
	}
}

// TestSchema_HistoryPagingUsesThePrimaryKey pins the reader's query plan:
// paging backwards and syncing forwards are range scans of the primary key.
func TestSchema_HistoryPagingUsesThePrimaryKey(t *testing.T) {
	_, db := testDatabase(t)
	if err := messagedb.Ensure(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	if err := messagedb.Ensure(t.Context(), db); err != nil {
		t.Fatalf("Ensure is not idempotent: %v", err)
	}
	for _, q := range []string{
		"EXPLAIN SELECT * FROM im_message WHERE app_id = 1 AND conversation_id = 'p2p:a:b' AND seq < 100 ORDER BY seq DESC LIMIT 20",
		"EXPLAIN SELECT * FROM im_message WHERE app_id = 1 AND conversation_id = 'group:g' AND seq > 5 ORDER BY seq ASC LIMIT 20",
	} {
		var id int
		var selType, table, typ, possible, key, keyLen, ref, extra sql.NullString
		var rows sql.NullInt64
		if err := db.QueryRow(q).Scan(&id, &selType, &table, &typ, &possible, &key, &keyLen, &ref, &rows, &extra); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if key.String != "PRIMARY" || strings.Contains(extra.String, "filesort") {
			t.Errorf("%s\nuses key %q extra %q, want PRIMARY without filesort", q, key.String, extra.String)
		}
	}
}

type metricsProbe struct {
	t   testing.TB
	reg *prometheus.Registry
}

func newMetricsProbe(t testing.TB, reg *prometheus.Registry) metricsProbe {
	return metricsProbe{t, reg}
}

// get returns the value of one series, written as name or name{label="v"}.
func (p metricsProbe) get(series string) float64 {
	p.t.Helper()
	name, _, _ := strings.Cut(series, "{")
	mfs, err := p.reg.Gather()
	if err != nil {
		p.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := ""
			for _, l := range m.GetLabel() {
				labels += l.GetName() + `="` + l.GetValue() + `"`
			}
			if series == name || series == name+"{"+labels+"}" {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
