//go:build memconn

package gateway

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-common/usersign"
)

// nopSessions keeps nothing: sessions live in Redis, not in the gateway's
// heap, so the measurement must not count a fake's map.
type nopSessions struct{}

func (nopSessions) Claim(context.Context, device.ID, session.Session, time.Duration) (map[string]session.Session, error) {
	return nil, nil
}
func (nopSessions) Touch(context.Context, device.ID, session.Session, time.Duration) (bool, error) {
	return true, nil
}
func (nopSessions) Remove(context.Context, device.ID, session.Session) (bool, error) {
	return true, nil
}
func (nopSessions) Purge(context.Context, string) (int, error) { return 0, nil }

// TestMemoryPerConnection measures the server heap and stack per idle,
// logged-in connection, WebSocket by default, TCP with IM_MEMCONN_KIND=tcp.
// The clients run in a child process (this test binary re-executed), so the
// server's numbers hold only server state and the fd limit is not shared.
// IM_MEMCONN_N sets the count (10000). It has its own build tag because the
// race detector cannot run 10,000 goroutines:
// go test -tags memconn -run TestMemoryPerConnection ./gateway/
func TestMemoryPerConnection(t *testing.T) {
	kind := cmp.Or(os.Getenv("IM_MEMCONN_KIND"), "ws")
	if addr := os.Getenv("IM_MEMCONN_CLIENT"); addr != "" {
		memClient(t, kind, addr)
		return
	}
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("IM_MEMCONN_N")); err == nil {
		n = v
	}
	raiseFDLimit(t)
	cfg := DefaultConfig("mem")
	cfg.TCPAddr, cfg.WSAddr, cfg.HTTPAddr = "127.0.0.1:0", "127.0.0.1:0", ""
	cfg.MaxConnsPerIP, cfg.HeartbeatTimeout, cfg.SessionTTL = 0, time.Hour, 3*time.Hour
	g, err := New(cfg, Deps{Sessions: nopSessions{}, Apps: fakeApps{7: {Secret: []byte("s"), Policy: device.PolicyUnlimited}},
		Users: fakeUsers{}, Publisher: &fakePublisher{}, Subscriber: nopSubscriber{}, Registry: nopRegistry{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := g.Listen(ctx); err != nil {
		t.Fatal(err)
	}
	go func() { _ = g.Run(ctx) }()
	addr, ws, _ := g.Addrs()
	if kind == "ws" {
		addr = ws
	}
	before := heap()

	cmd := exec.Command(os.Args[0], "-test.run=^TestMemoryPerConnection$", "-test.v")
	cmd.Env = append(os.Environ(), "IM_MEMCONN_CLIENT="+addr, "IM_MEMCONN_N="+strconv.Itoa(n))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); _ = cmd.Wait() }()
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && sc.Text() != "READY" {
	}
	authed := func() int {
		g.hub.mu.Lock()
		defer g.hub.mu.Unlock()
		return len(g.hub.devices)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for authed() < n && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if got := authed(); got < n {
		t.Fatalf("%d of %d connections logged in", got, n)
	}
	time.Sleep(time.Second) // let the login writers exit
	after := heap()
	per := float64(after-before) / float64(n) / 1024
	t.Logf("%d idle logged-in %s connections: %.2f KB/conn (heap+stack in use %d -> %d bytes, goroutines %d)",
		n, kind, per, before, after, runtime.NumGoroutine())
	// Measured about 6.6 KB (ws) and 5.3 KB (tcp), 4 KB of it the reader's
	// stack parked in the shallow idle wait (idle.go); the bounds catch a
	// reader parked deep again (+4 KB) or a per-connection read buffer.
	if bound := map[string]float64{"ws": 10, "tcp": 8}[kind]; per > bound {
		t.Errorf("%.2f KB per %s connection, regression bound %.0f KB", per, kind, bound)
	}
}

// heap returns HeapInuse+StackInuse after a few GCs (each GC can halve
// the stacks of goroutines that use little of theirs).
func heap() uint64 {
	for range 4 {
		runtime.GC()
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	fmt.Fprintf(os.Stderr, "memconn: HeapInuse %d StackInuse %d HeapObjects %d\n", m.HeapInuse, m.StackInuse, m.HeapObjects)
	return m.HeapInuse + m.StackInuse
}

func raiseFDLimit(t *testing.T) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err == nil {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}

// memClient opens IM_MEMCONN_N logged-in connections of kind and holds
// them until stdin closes.
func memClient(t *testing.T, kind, addr string) {
	raiseFDLimit(t)
	n, _ := strconv.Atoi(os.Getenv("IM_MEMCONN_N"))
	fmt.Println("READY")
	conns := make([]io.Closer, 0, n)
	for i := range n {
		user := "u" + strconv.Itoa(i)
		sign, _ := usersign.Generate([]byte("s"), 7, user, time.Now(), time.Hour)
		body, _ := json.Marshal(payload.Login{UserID: user, UserSign: sign})
		frame := packet.Client{Command: command.Login, Version: 1, Device: device.Web, AppID: 7, IMEI: "w", Body: body}.Append(nil)
		c, err := memLogin(kind, addr, frame)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
	}
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	for _, c := range conns {
		c.Close()
	}
}

// memLogin connects, sends the login frame and reads the answer.
func memLogin(kind, addr string, login []byte) (io.Closer, error) {
	if kind == "tcp" {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return nil, err
		}
		if _, err := c.Write(login); err != nil {
			return nil, err
		}
		_, err = packet.NewReader(c, packet.DefaultLimits()).ReadServer()
		return c, err
	}
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", nil)
	if err != nil {
		return nil, err
	}
	if err := c.WriteMessage(websocket.BinaryMessage, login); err != nil {
		return nil, err
	}
	_, _, err = c.ReadMessage()
	return c, err
}
