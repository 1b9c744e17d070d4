//go:build integration

package domain_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/mq/mqtest"
	"github.com/whaleim/whaleim/im-common/rabbit"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-domain/domain"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
)

func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) }

// Run serves on the injected listener and returns nil after a graceful
// shutdown when ctx ends. RabbitMQ (wired as main wires it) and ZooKeeper
// are real here, so the whole production wiring is exercised.
func TestRunServesAndShutsDown(t *testing.T) {
	cfg, err := domain.Load(func(k string) string {
		return map[string]string{
			"IM_MYSQL_DSN": apitest.DSN(t), "IM_REDIS_ADDR": apitest.RedisAddr(), "IM_DEV": "true",
			"IM_APP_ID": "4000000001", "IM_ZK_SERVERS": os.Getenv("IM_TEST_ZK_ADDR"), "IM_RABBIT_URL": os.Getenv("IM_TEST_RABBIT_URL"),
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { apitest.Redis(t).Del(context.Background(), "4000000001:app") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	conn, err := rabbit.Dial(t.Context(), cfg.Rabbit.URL, mq.DownlinkExchange(), log)
	if err != nil {
		t.Fatal(err)
	}
	mqtest.Background(t, conn.Run)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- domain.Run(ctx, cfg, domain.Deps{Queue: conn.Ports(0), Listener: ln, Log: log})
	}()
	url := "http://" + ln.Addr().String() + "/readyz"
	status := map[string]string{}
	testwait.Until(t, 20*time.Second, "ready", func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&status) == nil
	})
	for _, dep := range []string{"mysql", "redis", "queue", "zookeeper"} {
		if status[dep] != "ok" {
			t.Errorf("readyz %s = %q, want ok (all: %v)", dep, status[dep], status)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
