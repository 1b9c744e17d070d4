//go:build integration

package store

import (
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/testwait"
)

// storeProcess is the im-message-store binary run as a child process.
type storeProcess struct {
	bin, log string
	env      []string
	ready    string // /readyz URL
	cmd      *exec.Cmd
	done     chan struct{}
}

func buildStore(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "im-message-store")
	out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func (p *storeProcess) start(t *testing.T) {
	t.Helper()
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(p.bin)
	p.cmd.Env, p.cmd.Stdout, p.cmd.Stderr = p.env, f, f
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.done = make(chan struct{})
	go func() { _ = p.cmd.Wait(); f.Close(); close(p.done) }()
	testwait.Until(t, 30*time.Second, "store process ready", func() bool {
		select {
		case <-p.done:
			out, _ := os.ReadFile(p.log)
			t.Fatalf("store exited:\n%s", out)
		default:
		}
		resp, err := http.Get(p.ready)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// kill sends SIGKILL to the process we started and waits for it.
func (p *storeProcess) kill() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Kill() // already gone is fine
	<-p.done
	p.cmd = nil
}

func TestStore_KillNineLosesAndDuplicatesNothing(t *testing.T) {
	dsn, db := testDatabase(t)
	url, prefix := testBroker(t, mq.Quorum)
	addr := freeAddr(t)
	p := &storeProcess{
		bin: buildStore(t), log: filepath.Join(t.TempDir(), "store.log"), ready: "http://" + addr + "/readyz",
		env: append(os.Environ(), "IM_MYSQL_DSN="+dsn, "IM_RABBIT_URL="+url, "IM_RABBIT_QUEUE_TYPE=quorum",
			"IM_MQ_PREFIX="+prefix, "IM_HTTP_ADDR="+addr, "IM_LOG_FORMAT=text", "IM_STORE_BATCH=100"),
	}
	t.Cleanup(p.kill)
	pub := newTestPublisher(t, url, prefix, mq.Quorum)
	p.start(t)

	const n = 20000
	stream := publishStream(t, pub, n, 8, 10)
	for _, at := range []int{n / 4, n / 2} {
		testwait.Until(t, 60*time.Second, fmt.Sprintf("%d rows before kill", at), func() bool { return countRows(t, db, "") >= at })
		p.kill()
		t.Logf("kill -9 at %d rows (%d confirmed so far)", countRows(t, db, ""), stream.confirmedN.Load())
		time.Sleep(300 * time.Millisecond) // publishing goes on while the store is down
		p.start(t)
	}
	stream.wg.Wait()
	confirmed := int(stream.confirmedN.Load())
	testwait.Until(t, 120*time.Second, "every confirmed record stored", func() bool { return countRows(t, db, "") >= confirmed })
	total, duplicates, missing := checkStored(t, db, &stream.confirmed)
	t.Logf("store kill -9: confirmed=%d rows=%d duplicates=%d missing=%d unconfirmed=%d (last process ignored %s redelivered records)",
		confirmed, total, duplicates, missing, stream.failed.Load(), scrape(t, "http://"+addr+"/metrics", "im_store_duplicates_total"))
	if missing != 0 || duplicates != 0 || total < confirmed || total > n {
		t.Fatalf("confirmed=%d rows=%d duplicates=%d missing=%d", confirmed, total, duplicates, missing)
	}
}

// scrape returns the value of an unlabelled series from a /metrics page.
func scrape(t *testing.T, url, series string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// stream publishes records 0..n-1 from several goroutines, in StoreBatch
// messages of up to batch records as the domain does, and remembers which
// ones the broker confirmed.
type stream struct {
	wg         sync.WaitGroup
	confirmed  sync.Map // messageId -> true
	confirmedN atomic.Int64
	failed     atomic.Int64 // not known to be stored: may or may not appear
}

func publishStream(t *testing.T, pub *testPublisher, n, workers, batch int) *stream {
	s := &stream{}
	var next atomic.Int64
	ctx := t.Context()
	claim := func() int { return int(next.Add(int64(batch))) - batch } // first record of the next batch
	for range workers {
		s.wg.Go(func() {
			for first := claim(); first < n && ctx.Err() == nil; first = claim() {
				var recs []mq.StoreRecord
				for i := first; i < min(first+batch, n); i++ {
					recs = append(recs, insert(message(i)))
				}
				if err := pub.raw(ctx, recs[0].Message.MessageID, encodeBatch(t, recs...)); err != nil {
					s.failed.Add(int64(len(recs)))
					continue
				}
				for _, r := range recs {
					s.confirmed.Store(r.Message.MessageID, true)
				}
				s.confirmedN.Add(int64(len(recs)))
			}
		})
	}
	return s
}

// checkStored counts the rows, the extra rows per message and the
// confirmed messages without a row.
func checkStored(t *testing.T, db *sql.DB, confirmed *sync.Map) (total, duplicates, missing int) {
	t.Helper()
	rows, err := db.Query("SELECT message_id FROM im_message")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := make(map[string]int)
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		seen[id]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, c := range seen {
		total += c
		duplicates += c - 1
	}
	confirmed.Range(func(id, _ any) bool {
		if seen[id.(string)] == 0 {
			missing++
		}
		return true
	})
	return total, duplicates, missing
}
