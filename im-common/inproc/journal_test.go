package inproc_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/inproc"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/mq/mqtest"
	"github.com/whaleim/whaleim/im-common/testwait"
)

func openFolder(t testing.TB, dir string, f mqtest.Fixture, opts ...inproc.Option) *inproc.Broker {
	t.Helper()
	b, err := inproc.Open(testLog(t), append([]inproc.Option{inproc.WithDataFolder(dir), inproc.WithDeadLetterExchange(f.Dead)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if err := b.Declare(t.Context(), f.Topology(f.Queue("q", true))); err != nil {
		t.Fatal(err)
	}
	return b
}

func logSize(t *testing.T, dir string) int64 {
	t.Helper()
	st, err := os.Stat(filepath.Join(dir, "queue.log"))
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// Acked messages are compacted out of the log; what is published after a
// compaction is still durable.
func TestCompactionDropsAckedHistory(t *testing.T) {
	dir, f := t.TempDir(), mqtest.NewFixture()
	b := openFolder(t, dir, f, inproc.WithCompactSize(16<<10))
	name := f.Prefix + ".q"
	r, stop := mqtest.Collect(t, b, name, mq.BatchOptions{MaxWait: time.Millisecond})
	for i := range 2000 {
		mqtest.Publish(t, b, f.Exchange, name, fmt.Sprint(i))
	}
	r.Wait(t, 2000)
	stop()
	for i := range 3 { // each publish commits the acks written before it, then compacts
		mqtest.Publish(t, b, f.Exchange, name, fmt.Sprint("after-", i))
	}
	testwait.Until(t, 10*time.Second, "compacted log", func() bool { return logSize(t, dir) < 16<<10 })
	b.Close()

	b = openFolder(t, dir, f)
	r, _ = mqtest.Collect(t, b, name, mq.BatchOptions{})
	got := r.Wait(t, 3)
	if len(got) != 3 || got[0].MessageID != "after-0" || got[2].MessageID != "after-2" {
		t.Fatalf("after compaction and restart: %d deliveries, first %q", len(got), got[0].MessageID)
	}
}

// A record torn by a crash mid-write is cut off; everything before it is
// kept and the log takes appends again.
func TestTornTailIsCut(t *testing.T) {
	dir, f := t.TempDir(), mqtest.NewFixture()
	b := openFolder(t, dir, f)
	name := f.Prefix + ".q"
	for i := range 3 {
		mqtest.Publish(t, b, f.Exchange, name, fmt.Sprint(i))
	}
	b.Close()
	lf, err := os.OpenFile(filepath.Join(dir, "queue.log"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lf.Write([]byte{40, 0, 0, 0, 1, 2, 3, 4, 'P', 9}); err != nil { // a header and half a record
		t.Fatal(err)
	}
	lf.Close()

	b = openFolder(t, dir, f)
	mqtest.Publish(t, b, f.Exchange, name, "3")
	b.Close()
	b = openFolder(t, dir, f)
	r, _ := mqtest.Collect(t, b, name, mq.BatchOptions{})
	mqtest.CheckOrder(t, r.Wait(t, 4), 4)
}

// A folder that cannot be written stops Open with an error naming it.
func TestUnwritableFolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	if os.Geteuid() == 0 {
		dir = "/proc/inproc-cannot-exist" // root writes anywhere chmod allows; /proc refuses everyone
	}
	_, err := inproc.Open(testLog(t), inproc.WithDataFolder(filepath.Join(dir, "queue")))
	if err == nil {
		t.Fatal("Open on an unwritable folder succeeded")
	}
}

// Publishing to a durable queue after Close fails; Ready says so.
func TestClosedBrokerRefuses(t *testing.T) {
	f := mqtest.NewFixture()
	b := openFolder(t, t.TempDir(), f)
	if !b.Ready() {
		t.Fatal("open broker not ready")
	}
	b.Close()
	err := b.Publish(context.Background(), f.Exchange, f.Prefix+".q", mq.Publishing{Persistent: true})
	if b.Ready() || !errors.Is(err, mq.ErrClosed) {
		t.Fatalf("closed broker: ready %v, publish err %v", b.Ready(), err)
	}
}
