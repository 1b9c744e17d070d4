//go:build integration

package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-tcp/gateway"
)

// startProcess builds and runs the real binary and returns its ZooKeeper
// node and registered addresses.
func startProcess(t *testing.T, root string) (*exec.Cmd, string, gateway.Node) {
	t.Helper()
	return runProcess(t, buildBinary(t), root, "p"+randHex(6), "127.0.0.1:0", "127.0.0.1:0")
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "im-tcp")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// runProcess runs bin as broker on the given TCP and WebSocket addresses
// and waits until it registered.
func runProcess(t *testing.T, bin, root, broker, tcpAddr, wsAddr string) (*exec.Cmd, string, gateway.Node) {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "IM_BROKER_ID="+broker, "IM_TCP_ADDR="+tcpAddr, "IM_WS_ADDR="+wsAddr,
		"IM_HTTP_ADDR=127.0.0.1:0", "IM_RABBIT_URL="+rabbitURL, "IM_REDIS_ADDR="+redisAddr, "IM_ZK_SERVERS="+zkAddr,
		"IM_ZK_ROOT="+root, "IM_ZK_SESSION_TIMEOUT=4s", "IM_HEARTBEAT_TIMEOUT=1s", "IM_SESSION_TTL=3s", "IM_LOG_LEVEL=warn")
	cmd.Stderr = os.Stderr
	begin := time.Now().UnixMilli() // a node created earlier is a predecessor's
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	zc, _, err := zk.Connect([]string{zkAddr}, 5*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(zc.Close)
	path := root + "/gateways/" + broker
	var node gateway.Node
	testwait.Until(t, 30*time.Second, "process registered", func() bool {
		data, st, err := zc.Get(path)
		return err == nil && json.Unmarshal(data, &node) == nil && st.Ctime >= begin
	})
	return cmd, path, node
}

func nodeExists(t *testing.T, path string) bool {
	zc, _, err := zk.Connect([]string{zkAddr}, 5*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer zc.Close()
	ok, _, err := zc.Exists(path)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestSIGKILL_NodeAndSessionsExpire(t *testing.T) {
	rdb := redisClient(t)
	app, secret := seedApp(t, rdb, device.PolicyUnlimited)
	root := zkRoot(t)
	cmd, path, node := startProcess(t, root)
	c := dialTCP(t, node.TCP, app, device.Android, "k1")
	c.login("kyle", secret)
	if !rdb.HExists(t.Context(), session.Key(app, "kyle"), "3:k1").Val() {
		t.Fatal("no session")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	testwait.Until(t, 10*time.Second, "ZooKeeper node gone", func() bool { return !nodeExists(t, path) })
	t.Logf("node gone %v after SIGKILL (session timeout 4s)", time.Since(killed).Round(100*time.Millisecond))
	testwait.Until(t, 10*time.Second, "session expired", func() bool {
		return rdb.Exists(context.Background(), session.Key(app, "kyle")).Val() == 0
	})
	t.Logf("session gone %v after SIGKILL (TTL 3s)", time.Since(killed).Round(100*time.Millisecond))
}

func TestSIGTERM_ReconnectHintAndDeregister(t *testing.T) {
	rdb := redisClient(t)
	app, secret := seedApp(t, rdb, device.PolicyUnlimited)
	cmd, path, node := startProcess(t, zkRoot(t))
	c := dialTCP(t, node.TCP, app, device.IOS, "t1")
	c.login("tess", secret)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	c.expect(command.Reconnect, 9001)
	c.expectClosed()
	if nodeExists(t, path) {
		t.Error("node still registered after graceful shutdown")
	}
	testwait.Until(t, 5*time.Second, "session removed on shutdown", func() bool {
		return !rdb.HExists(context.Background(), session.Key(app, "tess"), "2:t1").Val()
	})
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit: %v", err)
	}
}

// TestSIGKILL_RestartTakesOverAtOnce: a gateway restarted right after
// kill -9 with the same brokerId and addresses takes over its node, still
// held by the dead process's session, and purges the sessions it left.
func TestSIGKILL_RestartTakesOverAtOnce(t *testing.T) {
	rdb := redisClient(t)
	app, secret := seedApp(t, rdb, device.PolicyUnlimited)
	root, bin, broker := zkRoot(t), buildBinary(t), "r"+randHex(6)
	tcpAddr, wsAddr := freeAddr(t), freeAddr(t)
	cmd, path, node := runProcess(t, bin, root, broker, tcpAddr, wsAddr)
	for _, u := range []string{"kim", "kai"} {
		c := dialTCP(t, node.TCP, app, device.Android, "k1")
		c.login(u, secret)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	restarted := time.Now()
	_, _, node = runProcess(t, bin, root, broker, tcpAddr, wsAddr)
	t.Logf("registered again %v after the restart (ZooKeeper session timeout 4s)", time.Since(restarted).Round(10*time.Millisecond))
	if !nodeExists(t, path) {
		t.Fatal("node missing")
	}
	testwait.Until(t, 5*time.Second, "the dead process's sessions purged", func() bool {
		return rdb.Exists(context.Background(), session.Key(app, "kim"), session.Key(app, "kai")).Val() == 0
	})
	c := dialTCP(t, node.TCP, app, device.Android, "k2")
	c.login("kim", secret)
	if since := time.Since(restarted); since > 5*time.Second {
		t.Errorf("served %v after the restart, want within 5s", since)
	}
}

// freeAddr returns a loopback address with a port free right now, for a
// process that must come back on the same address.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
