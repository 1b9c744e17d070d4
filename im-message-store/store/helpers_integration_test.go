//go:build integration

package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/whaleim/whaleim/im-common/config"
	"github.com/whaleim/whaleim/im-common/messagedb"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/rabbit"
)

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func testLog(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// testDatabase creates a fresh database im_store_test_<random> on the
// server of IM_TEST_MYSQL_DSN, drops it at cleanup, and returns its DSN and
// an open handle for assertions.
func testDatabase(t testing.TB) (string, *sql.DB) {
	t.Helper()
	cfg, err := mysqldriver.ParseDSN(envOr("IM_TEST_MYSQL_DSN", "root:@tcp(127.0.0.1:3306)/test"))
	if err != nil {
		t.Fatalf("IM_TEST_MYSQL_DSN: %v", err)
	}
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := "im_store_test_" + randomHex(6)
	if _, err := admin.ExecContext(t.Context(), "CREATE DATABASE "+name+" CHARACTER SET utf8mb4"); err != nil {
		t.Fatalf("MySQL unreachable at IM_TEST_MYSQL_DSN (%s): %v", cfg.Addr, err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("mysql", cfg.FormatDSN())
		if err == nil {
			_, err = a.Exec("DROP DATABASE " + name)
			a.Close()
		}
		if err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	cfg.DBName = name
	cfg.InterpolateParams = true // as mysqldb.Tune does for the store
	dsn := cfg.FormatDSN()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := messagedb.Ensure(t.Context(), db); err != nil { // so assertions can count before the store starts
		t.Fatal(err)
	}
	return dsn, db
}

// testBroker returns the RabbitMQ URL and a unique name prefix; the store
// topology objects under that prefix are deleted at cleanup.
func testBroker(t testing.TB, qt mq.QueueType) (string, string) {
	t.Helper()
	url := envOr("IM_TEST_RABBIT_URL", "amqp://guest:guest@127.0.0.1:5672/")
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatalf("RabbitMQ unreachable at IM_TEST_RABBIT_URL: %v", err)
	}
	conn.Close()
	prefix := "t" + randomHex(4) + "."
	t.Cleanup(func() { deleteTopology(t, url, newNames(prefix, qt).topology) })
	return url, prefix
}

func deleteTopology(t testing.TB, url string, topo mq.Topology) {
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	for _, q := range topo.Queues {
		if _, err := ch.QueueDelete(q.Name, false, false, false); err != nil {
			t.Errorf("cleanup queue %s: %v", q.Name, err)
			return
		}
	}
	for _, e := range topo.Exchanges {
		if err := ch.ExchangeDelete(e.Name, false, false); err != nil {
			t.Errorf("cleanup exchange %s: %v", e.Name, err)
			return
		}
	}
}

// testConfig is a store configuration for dsn, url and prefix with the
// ops endpoints off.
func testConfig(dsn, url, prefix string, qt mq.QueueType) Config {
	return Config{
		MySQL:  config.MySQL{DSN: dsn, MaxConns: 4},
		Rabbit: config.Rabbit{URL: url, QueueType: qt},
		Batch:  200, BatchWait: 20 * time.Millisecond, Prefetch: 400,
		RetryBudget: 5 * time.Second,
		MQPrefix:    prefix,
	}
}

// startStore runs the store in process until the test ends.
func startStore(t testing.TB, cfg Config, deps Deps) {
	t.Helper()
	if deps.Queue == nil {
		deps.Queue = dialQueue(t, cfg) // as main wires it
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, deps) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("store.Run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("store.Run did not return after cancel")
		}
	})
}

// testPublisher plays the domain: it declares the prefixed topology and
// publishes records with confirms.
type testPublisher struct {
	pub *rabbit.Publisher
	n   names
}

func newTestPublisher(t testing.TB, url, prefix string, qt mq.QueueType) *testPublisher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	n := newNames(prefix, qt)
	dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
	defer dcancel()
	conn, err := rabbit.Dial(dctx, url, n.topology, testLog(t), rabbit.WithDeadLetterExchange(n.dead))
	if err != nil {
		cancel()
		t.Fatalf("dial %s: %v", url, err)
	}
	done := make(chan struct{})
	go func() { _ = conn.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return &testPublisher{pub: conn.Publisher(4), n: n}
}

func (p *testPublisher) send(ctx context.Context, r mq.StoreRecord) error {
	return p.raw(ctx, r.Message.MessageID, encodeRecord(r))
}

func (p *testPublisher) raw(ctx context.Context, id string, body []byte) error {
	return p.pub.Publish(ctx, p.n.exchange, mq.KeyStoreMessages, mq.Publishing{
		Body: body, ContentType: "application/json", MessageID: id, Persistent: true,
	})
}

func (p *testPublisher) mustSend(t testing.TB, recs ...mq.StoreRecord) {
	t.Helper()
	for _, r := range recs {
		if err := p.send(t.Context(), r); err != nil {
			t.Fatalf("publish %s: %v", r.Message.MessageID, err)
		}
	}
}

// message returns a valid 1:1 message number i of a test stream: 50
// conversations, seq counting per conversation as the domain would.
func message(i int) mq.Message {
	from, to := fmt.Sprintf("u%d", i%50), fmt.Sprintf("u%d", (i%50)+100)
	return mq.Message{
		AppID: 10001, Kind: mq.P2P, ConversationID: mq.P2PConversation(from, to),
		FromID: from, ToID: to, MessageID: fmt.Sprintf("msg-%08d", i),
		MessageKey: int64(1_000_000 + i), Seq: int64(i/50 + 1),
		Body: fmt.Sprintf(`{"text":"message %d 😀"}`, i), Time: 1_700_000_000_000 + int64(i),
	}
}

func encodeRecord(r mq.StoreRecord) []byte {
	b, _ := json.Marshal(r) // a StoreRecord has no unmarshalable field
	return b
}

func insert(m mq.Message) mq.StoreRecord {
	return mq.StoreRecord{Version: 1, Op: mq.OpInsert, Message: m}
}
func recall(m mq.Message) mq.StoreRecord {
	return mq.StoreRecord{Version: 1, Op: mq.OpRecall, Message: m}
}

// edit is m's edit to body at version.
func edit(m mq.Message, body string, version int64) mq.StoreRecord {
	m.Body, m.Edited = body, version
	return mq.StoreRecord{Version: 1, Op: mq.OpEdit, Message: m}
}

func countRows(t testing.TB, db *sql.DB, where string, args ...any) int {
	t.Helper()
	var n int
	q := "SELECT COUNT(*) FROM im_message"
	if where != "" {
		q += " WHERE " + where
	}
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// deadLetters drains the prefixed dead-letter queue.
func deadLetters(t testing.TB, url string, n names) []amqp.Delivery {
	t.Helper()
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	var out []amqp.Delivery
	for {
		d, ok, err := ch.Get(n.deadQueue, true)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return out
		}
		out = append(out, d)
	}
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
