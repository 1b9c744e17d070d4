//go:build e2e

package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/config"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-sdk/go/imclient"
)

// uplinkShards is IM_UPLINK_SHARDS of the suite (the default).
const uplinkShards = config.DefaultUplinkShards

// shortSession is the ZooKeeper session timeout of the processes these
// tests kill, so their registration goes soon after (the server's
// minimum with its default tick of 2s is 4s).
const shortSession = 4 * time.Second

// spawnDomain starts another domain node named name (IM_NODE_ID e2e-{name})
// beside the suite's own, on the same databases, broker and registry, and
// waits until it is ready; it returns the node's base URL.
func (c *cluster) spawnDomain(t *testing.T, name string, env ...string) string {
	t.Helper()
	addr := freePort()
	env = append([]string{"IM_HTTP_ADDR=" + addr, "IM_NODE_ID=e2e-" + name, fmt.Sprintf("IM_APP_ID=%d", c.appID),
		"IM_APP_SECRET=" + c.secret}, env...)
	c.procs[name] = c.mustEnv(c.spawnSvc(name, "im-domain", env...))
	if err := waitReady("http://" + addr); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(c.procs[name].Kill)
	return "http://" + addr
}

// metric reads the value of the sample named exactly sample (name and
// labels as exposed) from base's /metrics; a missing sample is an error.
func metric(base, sample string) (float64, error) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("%s: no sample %s", base, sample)
}

// owned is how many uplink shards the node at base consumes, by /metrics.
func owned(base string) (int, error) {
	v, err := metric(base, "im_domain_uplink_shards_owned")
	return int(v), err
}

// uplinkBatches is how many uplink batches the node at base processed.
func uplinkBatches(base string) (int, error) {
	v, err := metric(base, `im_domain_pipeline_batch_size_count{kind="uplinks"}`)
	return int(v), err
}

// TestDomainNodesSplitShardsAndTakeOver: a second domain node joins while
// messages of many conversations flow, and the uplink shards are split
// between the two (the suite's node hands the second its part, each
// shard after its batch in flight; both process messages); after kill -9
// of the second,
// the first takes every shard within the ZooKeeper session timeout plus a
// margin, and nothing up-ACKed is lost, duplicated or reordered: every
// conversation's seqs rise with the send order, every message is in MySQL
// once with its up-ACKed seq, and no (conversation, seq) and no message
// key is there twice.
func TestDomainNodesSplitShardsAndTakeOver(t *testing.T) {
	distributedOnly(t, "runs and kills a second domain node")
	const convs, n = 16, 240
	u := newUsers(t, "scale", 2*convs)
	streams := make([]*streamer, convs)
	for i := range streams {
		streams[i] = startStream(connect(t, u[2*i], i%2, false, device.Android), u[2*i+1], n)
	}
	awaitTotal(t, streams, convs*n/8) // the second node joins while messages flow

	second := cl.spawnDomain(t, "domain2", fmt.Sprintf("IM_ZK_SESSION_TIMEOUT=%v", shortSession))
	split := func() (int, int, error) {
		a, err := owned(cl.domainURL)
		if err != nil {
			return 0, 0, err
		}
		b, err := owned(second)
		return a, b, err
	}
	testwait.Eventually(t, 30*time.Second, func() error {
		a, b, err := split()
		if err != nil || a+b != uplinkShards || a == 0 || b == 0 {
			return fmt.Errorf("shards owned %d + %d (%v), want a split of %d", a, b, err, uplinkShards)
		}
		return nil
	})
	a, b, _ := split()
	t.Logf("shard split: suite's node %d, second node %d of %d (%d of %d messages up-ACKed)", a, b, uplinkShards, total(streams), convs*n)
	if a < uplinkShards/4 || b < uplinkShards/4 {
		t.Errorf("split %d/%d is far from half", a, b)
	}
	if !strings.Contains(readyz(t, second), fmt.Sprintf(`"uplink_shards":"%d/%d"`, b, uplinkShards)) {
		t.Errorf("readyz of the second node does not show %d/%d shards: %s", b, uplinkShards, readyz(t, second))
	}
	both := time.Now()
	awaitTotal(t, streams, total(streams)+convs*n/8) // flowing through both nodes
	t.Logf("%d more messages up-ACKed in %v with both nodes", convs*n/8, time.Since(both).Round(time.Millisecond))
	if got, err := uplinkBatches(second); err != nil || got == 0 {
		t.Fatalf("the second node processed %d uplink batches (%v)", got, err)
	}

	batches, _ := uplinkBatches(second)
	t.Logf("kill -9 of the second node after %d uplink batches there (%d of %d messages up-ACKed)", batches, total(streams), convs*n)
	if total(streams) == convs*n {
		t.Fatal("every message was up-ACKed before the kill: the take-over saw no traffic")
	}
	cl.procs["domain2"].Kill()
	killed := time.Now()
	testwait.Eventually(t, shortSession+30*time.Second, func() error {
		if got, err := owned(cl.domainURL); err != nil || got != uplinkShards {
			return fmt.Errorf("suite's node owns %d shards (%v)", got, err)
		}
		return nil
	})
	took := time.Since(killed)
	t.Logf("take-over of every shard %v after kill -9 (session timeout %v)", took.Round(time.Millisecond), shortSession)
	if limit := shortSession + 15*time.Second; took > limit {
		t.Errorf("take-over took %v, more than the session timeout plus margin %v", took, limit)
	}
	for i, s := range streams {
		acks, err := s.wait()
		if err != nil {
			t.Fatalf("conversation %d: %v", i, err)
		}
		checkConversation(t, u[2*i], u[2*i+1], acks, n)
	}
	checkUniqueAcrossNodes(t)
}

// awaitTotal waits until the streams have n up-ACKs together.
func awaitTotal(t *testing.T, streams []*streamer, n int) {
	t.Helper()
	testwait.Eventually(t, 60*time.Second, func() error {
		if got := total(streams); got < n {
			return fmt.Errorf("%d up-ACKed, want %d", got, n)
		}
		return nil
	})
}

// total is the streams' up-ACKs so far.
func total(streams []*streamer) int {
	n := 0
	for _, s := range streams {
		n += s.acked()
	}
	return n
}

// checkConversation: the up-ACKed seqs of one sender's stream rise with
// the send order, and MySQL holds the n messages once each, with their
// up-ACKed seq.
func checkConversation(t *testing.T, from, to string, acks []imclient.Ack, n int) {
	t.Helper()
	if len(acks) != n {
		t.Fatalf("%s: %d up-ACKs, want %d", from, len(acks), n)
	}
	for i := 1; i < len(acks); i++ {
		if acks[i].Seq <= acks[i-1].Seq {
			t.Fatalf("%s: seq %d after %d (message %d)", from, acks[i].Seq, acks[i-1].Seq, i)
		}
	}
	conv := p2pConv(from, to)
	testwait.Eventually(t, 60*time.Second, func() error {
		if got := count(t, "SELECT COUNT(*) FROM im_message WHERE app_id=%d AND conversation_id='%s'", cl.appID, conv); got != n {
			return fmt.Errorf("%s: %d rows, want %d", conv, got, n)
		}
		return nil
	})
	rows, err := mysqlExec(cl.db, fmt.Sprintf("SELECT message_id, seq FROM im_message WHERE app_id=%d AND conversation_id='%s' ORDER BY seq", cl.appID, conv))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if r[0] != acks[i].MessageID || r[1] != fmt.Sprint(acks[i].Seq) {
			t.Fatalf("%s: row %d is %v, want message %s seq %d", conv, i, r, acks[i].MessageID, acks[i].Seq)
		}
	}
}

// checkUniqueAcrossNodes: no (conversation, seq) pair and no message key
// twice in the run's database, whichever node allocated them.
func checkUniqueAcrossNodes(t *testing.T) {
	t.Helper()
	seqs := count(t, "SELECT COUNT(*) FROM (SELECT 1 FROM im_message GROUP BY app_id, conversation_id, seq HAVING COUNT(*) > 1) d")
	keys := count(t, "SELECT COUNT(*) FROM (SELECT 1 FROM im_message GROUP BY message_key HAVING COUNT(*) > 1) d")
	total := count(t, "SELECT COUNT(*) FROM im_message")
	if seqs != 0 || keys != 0 {
		t.Fatalf("of %d messages: %d (conversation, seq) pairs and %d message keys are there twice", total, seqs, keys)
	}
	t.Logf("%d messages in MySQL: every (conversation, seq) and message key unique", total)
}

// readyz returns the body of base's /readyz.
func readyz(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
