package mqtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/testwait"
)

// OpenDir opens an adapter that keeps its durable queues in dir, sending
// rejected messages to the fanout exchange deadExchange. Opening the same
// dir again brings back what the last one confirmed and did not ack.
type OpenDir func(dir, deadExchange string) (q Queue, close func() error, err error)

// RunDurable runs the durability contract of an adapter with a data
// folder. The kill test re-runs the test binary as a child: the adapter's
// TestMain must call ServeChild first.
func RunDurable(t *testing.T, open OpenDir) {
	t.Run("RestartKeepsConfirmedUnacked", func(t *testing.T) { testRestart(t, open) })
	t.Run("DeadLettersSurviveRestart", func(t *testing.T) { testDeadAfterRestart(t, open) })
	t.Run("KillLosesNoConfirmed", func(t *testing.T) { testKill(t, open) })
}

func mustOpen(t *testing.T, open OpenDir, dir string, f Fixture, qs ...mq.Queue) (Queue, func()) {
	t.Helper()
	q, closeQ, err := open(dir, f.Dead)
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			if err := closeQ(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	if err := q.Declare(t.Context(), f.Topology(qs...)); err != nil {
		t.Fatalf("declare: %v", err)
	}
	return q, stop
}

// testRestart: after a restart a durable queue holds exactly its confirmed
// persistent messages that were not acked, in order; acked ones, transient
// ones and memory queues are gone.
func testRestart(t *testing.T, open OpenDir) {
	dir, f := t.TempDir(), NewFixture()
	durable := f.Queue("durable", true)
	memory := mq.Queue{Name: f.Prefix + ".memory", Type: mq.Classic}
	q, stop := mustOpen(t, open, dir, f, durable, memory)
	for i := range 100 {
		Publish(t, q, f.Exchange, durable.Name, fmt.Sprint(i))
	}
	Publish(t, q, f.Exchange, memory.Name, "in-memory")
	if err := q.Publish(t.Context(), f.Exchange, durable.Name, mq.Publishing{MessageID: "transient"}); err != nil {
		t.Fatal(err)
	}
	acked := &Recorder{}
	stopConsumer := Background(t, func(ctx context.Context) error {
		return q.Consume(ctx, durable.Name, mq.ConsumeOptions{}, func(ctx context.Context, d mq.Delivery) error {
			if len(acked.All()) == 30 {
				<-ctx.Done() // holds the 31st unacked until the stop
				return ctx.Err()
			}
			acked.Add(d)
			return nil
		})
	})
	acked.Wait(t, 30)
	stopConsumer()
	stop()

	q, _ = mustOpen(t, open, dir, f, durable, memory)
	r, _ := Collect(t, q, durable.Name, mq.BatchOptions{MaxWait: time.Millisecond})
	got := r.Wait(t, 70)
	for i, d := range got {
		if want := fmt.Sprint(30 + i); d.MessageID != want {
			t.Fatalf("after restart delivery %d = %q, want %q", i, d.MessageID, want)
		}
	}
	mem, _ := Collect(t, q, memory.Name, mq.BatchOptions{})
	testwait.Never(t, 200*time.Millisecond, func() error {
		if n, m := len(r.All()), len(mem.All()); n != 70 || m != 0 {
			return fmt.Errorf("after restart %d deliveries (want 70, no transient one), memory queue kept %d", n, m)
		}
		return nil
	})
}

// testDeadAfterRestart: a dead-lettered message is in the dead-letter
// queue after a restart, and no longer in its own queue.
func testDeadAfterRestart(t *testing.T, open OpenDir) {
	dir, f := t.TempDir(), NewFixture()
	qd := f.Queue("q", true)
	q, stop := mustOpen(t, open, dir, f, qd)
	Publish(t, q, f.Exchange, qd.Name, "poison")
	stopConsumer := Background(t, func(ctx context.Context) error {
		return q.Consume(ctx, qd.Name, mq.ConsumeOptions{}, func(context.Context, mq.Delivery) error {
			return mq.Permanent(errors.New("bad"))
		})
	})
	seen := make(chan struct{}, 1)
	stopDead := Background(t, func(ctx context.Context) error {
		return q.Consume(ctx, f.DeadQueue, mq.ConsumeOptions{}, func(ctx context.Context, _ mq.Delivery) error {
			seen <- struct{}{}
			<-ctx.Done() // leaves the dead letter unacked
			return ctx.Err()
		})
	})
	<-seen
	stopDead()
	stopConsumer()
	stop()

	q, _ = mustOpen(t, open, dir, f, qd)
	dead, _ := Collect(t, q, f.DeadQueue, mq.BatchOptions{})
	if got := dead.Wait(t, 1); got[0].MessageID != "poison" {
		t.Fatalf("dead letter after restart = %+v", got[0])
	}
	own, _ := Collect(t, q, qd.Name, mq.BatchOptions{})
	testwait.Never(t, 200*time.Millisecond, func() error {
		if n := len(own.All()); n != 0 {
			return fmt.Errorf("the rejected message is back in its queue (%d deliveries)", n)
		}
		return nil
	})
}

// Environment of the kill test's child process.
const (
	childDir    = "MQTEST_KILL_DIR"
	childPrefix = "MQTEST_KILL_PREFIX"
)

// killPublishers is how many goroutines of the child publish at once, so
// the kill lands while several publishes share a group commit.
const killPublishers = 4

// ServeChild makes the test binary the kill test's child when the
// environment says so: it opens the adapter, declares the fixture's queue
// and publishes persistent messages from several goroutines, printing the
// id of each confirmed one, until it is killed. Otherwise it returns at
// once. Call it first in TestMain.
func ServeChild(open OpenDir) {
	dir := os.Getenv(childDir)
	if dir == "" {
		return
	}
	f := fixtureFrom(os.Getenv(childPrefix))
	q, _, err := open(dir, f.Dead)
	if err == nil {
		err = q.Declare(context.Background(), f.Topology(f.Queue("q", true)))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	var out sync.Mutex
	for g := range killPublishers {
		go func() {
			for i := 0; ; i++ {
				id := fmt.Sprintf("%d-%d", g, i)
				msg := mq.Publishing{Body: []byte(id), MessageID: id, Persistent: true}
				if err := q.Publish(context.Background(), f.Exchange, f.Prefix+".q", msg); err != nil {
					fmt.Fprintln(os.Stderr, "child publish:", err)
					os.Exit(2)
				}
				out.Lock()
				fmt.Println(id)
				out.Unlock()
			}
		}()
	}
	select {} // until SIGKILL
}

func fixtureFrom(prefix string) Fixture {
	return Fixture{Prefix: prefix, Exchange: prefix + ".x", Dead: prefix + ".dead", DeadQueue: prefix + ".dead.q"}
}

// testKill: a child publishes and is killed with SIGKILL after many
// confirms; reopening its folder finds every confirmed message.
func testKill(t *testing.T, open OpenDir) {
	dir, f := t.TempDir(), NewFixture()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childDir+"="+dir, childPrefix+"="+f.Prefix)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	confirmed := map[string]bool{}
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		confirmed[strings.TrimSpace(lines.Text())] = true
		if len(confirmed) == 2000 {
			if err := cmd.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
		}
	}
	if err := cmd.Wait(); err == nil || len(confirmed) < 2000 {
		t.Fatalf("child ended by itself (%v) after %d confirms", err, len(confirmed))
	}

	q, _ := mustOpen(t, open, dir, f, f.Queue("q", true))
	r, _ := Collect(t, q, f.Prefix+".q", mq.BatchOptions{MaxBatch: 500, MaxWait: time.Millisecond})
	got := r.Wait(t, len(confirmed))
	found := map[string]bool{}
	for _, d := range got {
		if string(d.Body) != d.MessageID {
			t.Fatalf("message %q has body %q", d.MessageID, d.Body)
		}
		found[d.MessageID] = true
	}
	for id := range confirmed {
		if !found[id] {
			t.Fatalf("confirmed message %s lost by kill -9 (%d confirmed, %d found)", id, len(confirmed), len(found))
		}
	}
}
