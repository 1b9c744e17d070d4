//go:build integration

package rabbit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/mq/mqtest"
)

func testURL() string {
	if u := os.Getenv("IM_TEST_RABBIT_URL"); u != "" {
		return u
	}
	return "amqp://guest:guest@127.0.0.1:5672/"
}

// uniquePrefix keeps the names of one test apart from every other test and
// from the platform's own im.* objects.
func uniquePrefix(t testing.TB) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "imtest-" + hex.EncodeToString(b)
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// startConn dials url, runs the connection in the background and stops it
// at cleanup. It fails the test when the broker is unreachable.
func startConn(t testing.TB, url string, topo mq.Topology, opts ...Option) *Conn {
	t.Helper()
	dialCtx, cancelDial := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancelDial()
	c, err := Dial(dialCtx, url, topo, testLogger(t), append([]Option{WithBackoff(20*time.Millisecond, 500*time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	background(t, c.Run)
	return c
}

// background runs f until the returned stop is called or the test ends
// (mqtest.Background, shared with the contract suite).
func background(t testing.TB, f func(context.Context) error) (stop func()) {
	t.Helper()
	return mqtest.Background(t, f)
}

// admin opens a plain channel for inspecting and cleaning up.
func admin(t testing.TB, url string) *amqp.Connection {
	t.Helper()
	ac, err := amqp.Dial(url)
	if err != nil {
		t.Fatalf("admin dial %s: %v", url, err)
	}
	t.Cleanup(func() { ac.Close() })
	return ac
}

// deleteAtCleanup removes topo's queues and exchanges once the test's
// connections are gone; register it before startConn.
func deleteAtCleanup(t testing.TB, url string, topo mq.Topology) {
	t.Helper()
	t.Cleanup(func() {
		ac, err := amqp.Dial(url)
		if err != nil {
			t.Errorf("cleanup dial: %v", err)
			return
		}
		defer ac.Close()
		for _, q := range topo.Queues {
			if ch, err := ac.Channel(); err == nil {
				_, _ = ch.QueueDelete(q.Name, false, false, false) // gone already is fine
				ch.Close()
			}
		}
		for _, e := range topo.Exchanges {
			if ch, err := ac.Channel(); err == nil {
				_ = ch.ExchangeDelete(e.Name, false, false)
				ch.Close()
			}
		}
	})
}

// queueState reports the ready messages and consumers of queue.
func queueState(t testing.TB, ac *amqp.Connection, queue string) (messages, consumers int) {
	t.Helper()
	ch, err := ac.Channel()
	if err != nil {
		t.Fatalf("inspect channel: %v", err)
	}
	defer ch.Close()
	q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
	if err != nil {
		t.Fatalf("inspect %s: %v", queue, err)
	}
	return q.Messages, q.Consumers
}

// flow is a direct exchange with queues bound to it, each under its own key.
func flow(p string, queues ...mq.Queue) mq.Topology {
	t := mq.Topology{Exchanges: []mq.Exchange{{Name: p + ".x", Kind: "direct"}}}
	for _, q := range queues {
		t.Queues = append(t.Queues, q)
		t.Bindings = append(t.Bindings, mq.Binding{Queue: q.Name, Exchange: p + ".x", Key: q.Name})
	}
	return t
}

// withDeadLetters adds a fanout dead-letter exchange and a queue behind it.
func withDeadLetters(p string, t mq.Topology) mq.Topology {
	return t.Merge(mq.Topology{
		Exchanges: []mq.Exchange{{Name: p + ".dead", Kind: "fanout"}},
		Queues:    []mq.Queue{{Name: p + ".dead.q", Type: mq.Classic, Durable: true}},
		Bindings:  []mq.Binding{{Queue: p + ".dead.q", Exchange: p + ".dead"}},
	})
}

func publishOK(t *testing.T, pub *Publisher, exchange, key string, msg mq.Publishing) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := pub.Publish(ctx, exchange, key, msg); err != nil {
		t.Fatalf("publish %s/%s: %v", exchange, key, err)
	}
}
