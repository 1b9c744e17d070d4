//go:build integration

package routing

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/zookeeper"
	"github.com/whaleim/whaleim/im-domain/internal/app"
)

func zkAddr() string {
	if v := os.Getenv("IM_TEST_ZK_ADDR"); v != "" {
		return v
	}
	return "127.0.0.1:2181"
}

func TestRegistryAgainstZooKeeper(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := zookeeper.Connect(t.Context(), []string{zkAddr()}, 4*time.Second, log)
	if err != nil {
		t.Fatalf("zookeeper at %s unreachable: %v", zkAddr(), err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	root := "/im_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		c.Close()
		if raw, _, err := zk.Connect([]string{zkAddr()}, 4*time.Second, zk.WithLogger(nopLogger{})); err == nil {
			_ = raw.Delete(root+"/gateways", -1)
			_ = raw.Delete(root, -1)
			raw.Close()
		}
	})
	reg, err := c.Register(t.Context(), root+"/gateways/gw-1", []byte(`{"tcp":"127.0.0.1:19001","ws":"ws://127.0.0.1:19002/ws"}`))
	if err != nil {
		t.Fatal(err)
	}
	r := NewRegistry(c, root+"/gateways")
	gws, err := r.Gateways(t.Context())
	if err != nil || len(gws) != 1 || gws[0].ID != "gw-1" || gws[0].TCP != "127.0.0.1:19001" {
		t.Fatalf("gateways = %+v, %v", gws, err)
	}
	addr, err := NewPicker(r).Pick(t.Context(), app.RouteConsistentHash, "alice", device.Web)
	if err != nil || addr.Port != 19002 || addr.BrokerID != "gw-1" {
		t.Fatalf("pick = %+v, %v", addr, err)
	}
	if err := reg.Deregister(t.Context()); err != nil {
		t.Fatal(err)
	}
	if gws, _ := r.Gateways(t.Context()); len(gws) != 0 {
		t.Errorf("deregistered gateway still listed: %+v", gws)
	}
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
