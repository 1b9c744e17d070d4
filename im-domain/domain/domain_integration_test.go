//go:build integration

package domain_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-domain/domain"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
)

func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) }

// testAppID is the app the nodes of these tests bootstrap.
const testAppID = "4000000001"

// config is a node's configuration on the test's services, registered as
// nodeID under the ZooKeeper root zkRoot (the test's own: a node joining
// /im would share the uplink shards with whatever else runs there).
func config(t *testing.T, zkRoot, nodeID string) domain.Config {
	t.Helper()
	cfg, err := domain.Load(func(k string) string {
		return map[string]string{
			"IM_MYSQL_DSN": apitest.DSN(t), "IM_REDIS_ADDR": apitest.RedisAddr(), "IM_DEV": "true",
			"IM_APP_ID": testAppID, "IM_ZK_SERVERS": os.Getenv("IM_TEST_ZK_ADDR"), "IM_RABBIT_URL": os.Getenv("IM_TEST_RABBIT_URL"),
			"IM_ZK_ROOT": zkRoot, "IM_NODE_ID": nodeID, "IM_SHARD_REBALANCE_GAP": "100ms",
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { apitest.Redis(t).Del(context.Background(), testAppID+":app") })
	return cfg
}

// readyz is the node's /readyz answer, nil while it is not ready.
func (n *node) readyz() map[string]string {
	resp, err := http.Get(n.url + "/readyz")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	status := map[string]string{}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&status) != nil {
		return nil
	}
	return status
}

// zkRoot is a fresh ZooKeeper root for the test, removed after it (the
// nodes' ephemeral registrations are gone once they stopped).
func zkRoot(t *testing.T) string {
	t.Helper()
	root := fmt.Sprintf("/imtest_domain_%d", time.Now().UnixNano())
	t.Cleanup(func() {
		servers := os.Getenv("IM_TEST_ZK_ADDR")
		if servers == "" {
			servers = "127.0.0.1:2181"
		}
		if raw, _, err := zk.Connect([]string{servers}, 4*time.Second, zk.WithLogInfo(false)); err == nil {
			_ = raw.Delete(root+"/domains", -1)
			_ = raw.Delete(root, -1)
			raw.Close()
		}
	})
	return root
}

// Run serves on the injected listener and returns nil after a graceful
// shutdown when ctx ends. RabbitMQ (wired as main wires it) and ZooKeeper
// are real here, so the whole production wiring is exercised; alone in
// its registry, the node owns every uplink shard.
func TestRunServesAndShutsDown(t *testing.T) {
	cfg := config(t, zkRoot(t), "alone")
	all := fmt.Sprintf("%d/%d", cfg.Rabbit.UplinkShards, cfg.Rabbit.UplinkShards)
	n := startNode(t, cfg)
	var status map[string]string
	testwait.Until(t, 20*time.Second, "ready with every shard", func() bool {
		status = n.readyz()
		return status["uplink_shards"] == all
	})
	for _, dep := range []string{"mysql", "redis", "queue", "zookeeper"} {
		if status[dep] != "ok" {
			t.Errorf("readyz %s = %q, want ok (all: %v)", dep, status[dep], status)
		}
	}
	n.stop(t)
}

// Two nodes in one registry split the uplink shards; when one shuts down
// (its ZooKeeper session ends with it), the other takes every shard.
func TestNodesSplitShardsAndTakeOverOnShutdown(t *testing.T) {
	root := zkRoot(t)
	cfgA := config(t, root, "node-a")
	shards := cfgA.Rabbit.UplinkShards
	a, b := startNode(t, cfgA), startNode(t, config(t, root, "node-b"))
	var sa, sb string
	testwait.Eventually(t, 30*time.Second, func() error {
		sa, sb = a.readyz()["uplink_shards"], b.readyz()["uplink_shards"]
		var na, nb, ta, tb int
		if _, err := fmt.Sscanf(sa+" "+sb, "%d/%d %d/%d", &na, &ta, &nb, &tb); err != nil || na+nb != shards || na == 0 || nb == 0 {
			return fmt.Errorf("shards %q and %q, want a split of %d", sa, sb, shards)
		}
		return nil
	})
	t.Logf("split: node-a %s, node-b %s", sa, sb)
	b.stop(t)
	all := fmt.Sprintf("%d/%d", shards, shards)
	testwait.Until(t, 20*time.Second, "node-a owns every shard", func() bool { return a.readyz()["uplink_shards"] == all })
	a.stop(t)
}
