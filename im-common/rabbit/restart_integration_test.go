//go:build integration

package rabbit

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/backoff"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/rabbit/rabbittest"
	"github.com/whaleim/whaleim/im-common/testwait"
)

// TestBrokerRestartLosesNoConfirmedMessage SIGKILLs a private broker in the
// middle of a stream of confirmed persistent publishes, restarts it on the
// same data directory and checks that every message whose Publish returned
// nil is in both durable queues (classic and quorum) afterwards.
func TestBrokerRestartLosesNoConfirmedMessage(t *testing.T) {
	b := rabbittest.Start(t)
	p := uniquePrefix(t)
	queues := []string{p + ".classic", p + ".quorum"}
	topo := mq.Topology{
		Exchanges: []mq.Exchange{{Name: p + ".x", Kind: "direct"}},
		Queues: []mq.Queue{
			{Name: queues[0], Type: mq.Classic, Durable: true},
			{Name: queues[1], Type: mq.Quorum, Durable: true},
		},
		Bindings: []mq.Binding{{Queue: queues[0], Exchange: p + ".x", Key: "k"}, {Queue: queues[1], Exchange: p + ".x", Key: "k"}},
	}
	c := startConn(t, b.URL(), topo)
	declared := time.Now()
	var l ledger
	stop := background(t, func(ctx context.Context) error {
		publishStream(ctx, c.Publisher(4), p+".x", "k", 32, &l)
		return nil
	})

	const perPhase = 3000
	// Publish for at least QuorumSettle before the crash: a younger quorum
	// queue does not survive SIGKILL on RabbitMQ 3.10 (see rabbittest).
	testwait.Until(t, 30*time.Second,

		"confirms before the crash", func() bool {
			return l.count() >= perPhase && time.Since(declared) >= rabbittest.QuorumSettle
		})

	b.Kill()
	atKill := l.count()
	t.Logf("broker SIGKILLed after %d confirmed publishes", atKill)
	b.Restart(t)
	testwait.Until(t, 60*time.Second, "confirms after the restart", func() bool { return l.count() >= atKill+perPhase })
	stop()

	confirmed, retried := l.snapshot()
	for _, q := range queues {
		present := countByID(t, b.URL(), q)
		lost, dups, extra := 0, 0, 0
		for id := range confirmed {
			if present[id] == 0 {
				lost++
			}
		}
		for id, n := range present {
			dups += n - 1
			if !confirmed[id] {
				extra++
			}
		}
		t.Logf("broker restart (%s): confirmed=%d lost=%d duplicates=%d retried=%d present-unconfirmed=%d",
			q[len(p)+1:], len(confirmed), lost, dups, retried, extra)
		if lost != 0 {
			t.Errorf("%s lost %d confirmed messages", q, lost)
		}
	}
}

// ledger records which publishes the broker confirmed.
type ledger struct {
	mu        sync.Mutex
	confirmed map[string]bool
	retried   int
}

func (l *ledger) confirm(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.confirmed == nil {
		l.confirmed = map[string]bool{}
	}
	l.confirmed[id] = true
}

func (l *ledger) retry() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.retried++
}

func (l *ledger) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.confirmed)
}

func (l *ledger) snapshot() (map[string]bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := make(map[string]bool, len(l.confirmed))
	for id := range l.confirmed {
		m[id] = true
	}
	return m, l.retried
}

// publishStream runs workers goroutines that each publish numbered
// persistent messages and republish a message (same id) until it is
// confirmed, like a gateway retrying an uplink.
func publishStream(ctx context.Context, pub *Publisher, exchange, key string, workers int, l *ledger) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				id := fmt.Sprintf("%d-%d", w, i)
				for ctx.Err() == nil {
					pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
					err := pub.Publish(pctx, exchange, key, mq.Publishing{MessageID: id, Body: []byte(id), Persistent: true})
					cancel()
					if err == nil {
						l.confirm(id)
						break
					}
					l.retry()
					_ = backoff.Sleep(ctx, 20*time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
}

// countByID reads every message of queue and counts them by message id.
func countByID(t *testing.T, url, queue string) map[string]int {
	t.Helper()
	ch, err := admin(t, url).Channel()
	if err != nil {
		t.Fatal(err)
	}
	q, err := ch.QueueDeclarePassive(queue, true, false, false, false, nil)
	if err != nil {
		t.Fatalf("inspect %s: %v", queue, err)
	}
	if err := ch.Qos(1000, 0, false); err != nil {
		t.Fatal(err)
	}
	deliveries, err := ch.Consume(queue, "", true, false, false, false, nil)
	if err != nil {
		t.Fatalf("consume %s: %v", queue, err)
	}
	present := map[string]int{}
	for range q.Messages {
		select {
		case d := <-deliveries:
			present[d.MessageId]++
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: got %d of %d messages", queue, len(present), q.Messages)
		}
	}
	return present
}
