//go:build integration

package mqapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/rabbit"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/app"
	"github.com/whaleim/whaleim/im-domain/internal/mariadb"
	"github.com/whaleim/whaleim/im-domain/internal/message"
	"github.com/whaleim/whaleim/im-domain/internal/mqapi"
	"github.com/whaleim/whaleim/im-domain/internal/redisdb"
	"github.com/whaleim/whaleim/im-domain/internal/user"
)

func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) }

func rabbitURL() string {
	if u := os.Getenv("IM_TEST_RABBIT_URL"); u != "" {
		return u
	}
	return "amqp://guest:guest@127.0.0.1:5672/"
}

type apps struct{}

func (apps) App(_ context.Context, id uint32) (*app.App, error) {
	return &app.App{ID: id, Settings: app.DefaultSettings()}, nil
}

type users struct{}

func (users) One(_ context.Context, _ uint32, id string) (user.User, error) {
	if id == "ghost" {
		return user.User{}, errcode.UserNotFound
	}
	return user.User{ID: id}, nil
}

// rebound sends store records to this test's own exchange, so the shared
// im.store.messages queue never sees them.
type rebound struct {
	p        *rabbit.Publisher
	exchange string
}

func (r rebound) Publish(ctx context.Context, _, key string, body []byte) error {
	return r.p.Publish(ctx, r.exchange, key, mq.Publishing{Body: body, Persistent: true})
}

type plain struct{ p *rabbit.Publisher }

func (r plain) Publish(ctx context.Context, exchange, key string, body []byte) error {
	return r.p.Publish(ctx, exchange, key, mq.Publishing{Body: body, Expiration: time.Minute})
}

// collector gathers the bodies of a test queue.
type collector struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (c *collector) handle(_ context.Context, d mq.Delivery) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bodies = append(c.bodies, d.Body)
	return nil
}

func (c *collector) all() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]byte(nil), c.bodies...)
}

func (c *collector) wait(t *testing.T, n int) [][]byte {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got := c.all(); len(got) >= n {
			return got
		}
	}
	t.Fatalf("got %d messages, want %d", len(c.all()), n)
	return nil
}

// pushes waits for n pushes on a downlink test queue (in push batches).
func pushes(t *testing.T, c *collector, n int) []mq.Push {
	t.Helper()
	var out []mq.Push
	testwait.Until(t, 15*time.Second, fmt.Sprintf("%d pushes", n), func() bool {
		out = nil
		for _, b := range c.all() {
			ps, err := mq.DecodePushes(b)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, ps...)
		}
		return len(out) >= n
	})
	return out
}

func TestUplink_FiveResendsOneStoreRecordFiveIdenticalAcks(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	id := fmt.Sprintf("%d", apitest.RandomAppID())
	uplinkQ, storeX, storeQ, broker := "test.uplink."+id, "test.store."+id, "test.store.q."+id, "test-gw-"+id
	topo := mq.DownlinkExchange().Merge(mq.Topology{
		Exchanges: []mq.Exchange{{Name: storeX, Kind: "direct"}},
		Queues: []mq.Queue{{Name: uplinkQ, Type: mq.Classic, SingleActive: true, Expires: time.Minute},
			{Name: storeQ, Type: mq.Classic, Expires: time.Minute}, {Name: "test.down." + id, Type: mq.Classic, Expires: time.Minute}},
		Bindings: []mq.Binding{{Queue: storeQ, Exchange: storeX, Key: mq.KeyStoreMessages},
			{Queue: "test.down." + id, Exchange: mq.ExchangeDownlink, Key: broker}},
	})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
	defer dcancel()
	conn, err := rabbit.Dial(dctx, rabbitURL(), topo, log)
	if err != nil {
		t.Fatalf("rabbitmq at %s: %v", rabbitURL(), err)
	}
	go conn.Run(ctx)
	db, err := mariadb.Open(ctx, apitest.DSN(t), 5)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rc := redisdb.Wrap(apitest.Redis(t), time.Minute)
	pub := conn.Publisher(1)
	defer pub.Close()
	svc := message.NewService(message.Deps{Apps: apps{}, Users: users{}, Dedup: rc.NewDedup(time.Minute),
		Seqs: rc.NewSequencer(db, 0), Keys: message.NewKeys(db, 0), Store: db,
		StorePub: rebound{pub, storeX}, Pushes: plain{pub}, Presence: rc, Log: log})
	dead := func(context.Context, []byte, string) error { return errors.New("no dead letters expected") }
	h := mqapi.New(func() mqapi.Batch { return svc.NewBatch() }, dead, log)
	var stored, down collector
	go conn.ConsumeBatch(ctx, uplinkQ, mq.BatchOptions{RetryDelay: 50 * time.Millisecond}, h.HandleBatch)
	go conn.Consume(ctx, storeQ, mq.ConsumeOptions{}, stored.handle)
	go conn.Consume(ctx, "test.down."+id, mq.ConsumeOptions{}, down.handle)

	appID := apitest.RandomAppID()
	rdb := apitest.Redis(t)
	t.Cleanup(func() {
		keys, _ := rdb.Keys(context.Background(), fmt.Sprintf("%d:*", appID)).Result()
		for _, k := range keys {
			rdb.Del(context.Background(), k)
		}
	})
	from := device.ID{AppID: appID, UserID: "alice", Type: 3, IMEI: "phone"}
	body, _ := json.Marshal(payload.Message{MessageID: "m-" + id, ToID: "bob", MessageBody: "hello"})
	up, _ := json.Marshal(mq.Uplink{Version: mq.Version, Command: command.MessageP2P, From: from, Broker: broker, Payload: body})
	for range 5 {
		if err := pub.Publish(ctx, "", uplinkQ, mq.Publishing{Body: up, Persistent: true}); err != nil {
			t.Fatal(err)
		}
	}
	var acks []payload.MessageAck
	for _, p := range pushes(t, &down, 6) { // 5 up-ACKs and one 1107 serverSend (bob is offline)
		if p.Command == command.MessageAck {
			var a payload.MessageAck
			_ = json.Unmarshal(p.Data, &a)
			acks = append(acks, a)
			if len(p.To) != 1 || p.To[0] != from {
				t.Fatalf("up-ACK to %+v", p.To)
			}
		}
	}
	if len(acks) != 5 {
		t.Fatalf("%d up-ACKs, want 5", len(acks))
	}
	for _, a := range acks {
		if a.Code != 200 || a.Data == nil || *a.Data != *acks[0].Data || a.Data.MessageSequence != 1 {
			t.Fatalf("acks differ: %+v vs %+v", a, acks[0])
		}
	}
	stored.wait(t, 1)
	time.Sleep(200 * time.Millisecond) // the acks came after every store publish; nothing more is due
	var recs []mq.StoreRecord
	for _, b := range stored.all() {
		rs, err := mq.DecodeStoreRecords(b)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rs...)
	}
	if len(recs) != 1 {
		t.Fatalf("%d store records, want 1", len(recs))
	}
	rec := recs[0]
	if rec.Op != mq.OpInsert || rec.Message.Seq != 1 ||
		rec.Message.MessageKey != acks[0].Data.MessageKey || rec.Message.ConversationID != mq.P2PConversation("alice", "bob") {
		t.Fatalf("store record %+v", rec)
	}
}
