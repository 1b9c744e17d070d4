//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-sdk/go/imclient"
)

// stream sends n messages from d to to, one after another, resending a
// message with the same messageId until it is up-ACKed (the SDK contract),
// and calls progress after every ACK.
func stream(d *dev, to string, n int, progress func(i int, a imclient.Ack)) error {
	for i := range n {
		m := imclient.Message{MessageID: imclient.NewMessageID(), ToID: to, Body: fmt.Sprint("stream ", i)}
		var ack imclient.Ack
		for attempt := 0; ; attempt++ {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			a, err := d.Send(ctx, m)
			cancel()
			if err == nil && a.Err() == nil {
				ack = a
				break
			}
			if attempt == 20 {
				return fmt.Errorf("message %d never ACKed: %v %v", i, err, a.Err())
			}
			time.Sleep(100 * time.Millisecond) // backoff between resends, not a wait for a condition
		}
		progress(i, ack)
	}
	return nil
}

// streamer runs stream in the background and keeps the up-ACKs, so a test
// can break a service mid-stream.
type streamer struct {
	mu   sync.Mutex
	acks []imclient.Ack
	done chan error
}

// startStream streams n messages from d to to in the background.
func startStream(d *dev, to string, n int) *streamer {
	s := &streamer{done: make(chan error, 1)}
	go func() {
		s.done <- stream(d, to, n, func(_ int, ack imclient.Ack) {
			s.mu.Lock()
			s.acks = append(s.acks, ack)
			s.mu.Unlock()
		})
	}()
	return s
}

// acked is the number of messages up-ACKed so far.
func (s *streamer) acked() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.acks)
}

// awaitAcked waits until at least n messages are up-ACKed.
func (s *streamer) awaitAcked(t *testing.T, n int) {
	t.Helper()
	testwait.Eventually(t, 30*time.Second, func() error {
		if got := s.acked(); got < n {
			return fmt.Errorf("%d acked, want %d", got, n)
		}
		return nil
	})
}

// wait waits for the stream to end and returns its up-ACKs in send order.
func (s *streamer) wait() ([]imclient.Ack, error) {
	err := <-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acks, err
}

// TestStoreKilledMidStream: kill -9 of the store while messages flow, then
// a restart: every up-ACKed message ends up in MySQL exactly once.
func TestStoreKilledMidStream(t *testing.T) {
	distributedOnly(t, "kills the store process alone")
	u := newUsers(t, "crash", 2)
	a := connect(t, u[0], 0, false, device.Android)
	const n = 300
	st := startStream(a, u[1], n)
	st.awaitAcked(t, 50)
	t.Logf("kill -9 store at %d acked", st.acked())
	cl.procs["store"].Kill()
	at := st.acked()
	st.awaitAcked(t, at+100)
	t.Logf("%d messages up-ACKed while the store was down; restarting it", st.acked()-at)
	if err := cl.startStore(); err != nil {
		t.Fatal(err)
	}
	acks, err := st.wait()
	if err != nil {
		t.Fatal(err)
	}
	conv := p2pConv(u[0], u[1])
	testwait.Eventually(t, 60*time.Second, func() error {
		if got := count(t, "SELECT COUNT(*) FROM im_message WHERE app_id=%d AND conversation_id='%s'", cl.appID, conv); got != n {
			return fmt.Errorf("%d rows, want %d", got, n)
		}
		return nil
	})
	dups := count(t, "SELECT COUNT(*) FROM (SELECT message_id FROM im_message WHERE app_id=%d AND conversation_id='%s' GROUP BY message_id HAVING COUNT(*) > 1) d", cl.appID, conv)
	distinctSeq := count(t, "SELECT COUNT(DISTINCT seq) FROM im_message WHERE app_id=%d AND conversation_id='%s'", cl.appID, conv)
	if dups != 0 || distinctSeq != n {
		t.Fatalf("duplicates: %d message ids, %d distinct seqs of %d", dups, distinctSeq, n)
	}
	for _, ack := range acks {
		rows, err := mysqlExec(cl.db, fmt.Sprintf("SELECT seq FROM im_message WHERE app_id=%d AND message_id='%s'", cl.appID, ack.MessageID))
		if err != nil || len(rows) != 1 || rows[0][0] != fmt.Sprint(ack.Seq) {
			t.Fatalf("message %s (seq %d): rows %v err %v", ack.MessageID, ack.Seq, rows, err)
		}
	}
	t.Logf("all %d up-ACKed messages stored exactly once with their ACKed seq", n)
}
