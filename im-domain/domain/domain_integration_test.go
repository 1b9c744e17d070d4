//go:build integration

package domain_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-domain/domain"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
)

func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) }

// Run serves on the injected listener and returns nil after a graceful
// shutdown when ctx ends. RabbitMQ and ZooKeeper are real here, so the
// whole production wiring is exercised.
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
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- domain.Run(ctx, cfg, domain.Deps{Listener: ln, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}()
	url := "http://" + ln.Addr().String() + "/readyz"
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("never ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
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
