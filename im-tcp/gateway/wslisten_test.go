package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-common/usersign"
)

// runWSGateway serves a WebSocket-only gateway on fakes until the test
// ends and returns its ws:// URL.
func runWSGateway(t *testing.T, adjust func(*Config)) string {
	t.Helper()
	cfg := DefaultConfig("b1")
	cfg.TCPAddr, cfg.WSAddr, cfg.HTTPAddr = "", "127.0.0.1:0", ""
	adjust(&cfg)
	g, err := New(cfg, Deps{Sessions: &fakeSessions{}, Apps: fakeApps{7: {Secret: []byte("s")}}, Users: fakeUsers{},
		Publisher: &fakePublisher{}, Subscriber: nopSubscriber{}, Registry: nopRegistry{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := g.Listen(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	testwait.Until(t, 5*time.Second, "gateway ready", g.Ready)
	_, ws, _ := g.Addrs()
	return "ws://" + ws + cfg.WSPath
}

// closeCode dials url and returns the close code the server answers with
// (0 when the connection is accepted and stays open).
func closeCode(t *testing.T, url string, h http.Header) int {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial(url, h)
	if err != nil {
		t.Fatalf("dial: %v (a refusal must complete the handshake and send a close frame)", err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	_, _, err = c.ReadMessage()
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}

// TestWSRefusalsCarryCloseCodes: refused WebSocket connections learn why
// from a close frame, and connections that never upgraded count toward
// the per-IP cap.
func TestWSRefusalsCarryCloseCodes(t *testing.T) {
	url := runWSGateway(t, func(c *Config) { c.MaxConnsPerIP, c.WSOrigins = 2, []string{"app.example"} })
	if got := closeCode(t, url, http.Header{"Origin": {"https://evil.example"}}); got != websocket.ClosePolicyViolation {
		t.Errorf("bad origin: close code %d, want 1008", got)
	}
	if got := closeCode(t, url, http.Header{"Origin": {"https://app.example"}}); got != 0 {
		t.Errorf("allowed origin: close code %d", got)
	}
	host := url[len("ws://") : len(url)-len("/ws")]
	for range 2 { // sockets that never send a request line
		nc, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
	}
	if got := closeCode(t, url, nil); got != websocket.CloseTryAgainLater {
		t.Errorf("over the per-IP cap with idle sockets: close code %d, want 1013", got)
	}
}

// TestWSIdleConnectionsClosed: a socket that sends nothing and a
// keep-alive left idle after a request are closed by the server.
func TestWSIdleConnectionsClosed(t *testing.T) {
	url := runWSGateway(t, func(c *Config) { c.LoginTimeout = 300 * time.Millisecond })
	host := url[len("ws://") : len(url)-len("/ws")]
	silent, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	keepAlive, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer keepAlive.Close()
	if _, err := io.WriteString(keepAlive, "GET /ws HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]net.Conn{"silent": silent, "keep-alive": keepAlive} {
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, err := io.Copy(io.Discard, c) // returns at EOF: the server closed
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("%s connection still open after 3s", name)
		}
	}
}

// TestWSLongLivedSurvivesServerDeadlines: an upgraded connection outlives
// every deadline of the HTTP server it came through.
func TestWSLongLivedSurvivesServerDeadlines(t *testing.T) {
	url := runWSGateway(t, func(c *Config) {
		c.LoginTimeout, c.WriteTimeout = 300*time.Millisecond, 200*time.Millisecond
	})
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sign, _ := usersign.Generate([]byte("s"), 7, "alice", time.Now(), time.Hour)
	send := func(cmd command.Code, body any) {
		b, _ := json.Marshal(body)
		frame := packet.Client{Version: 1, Command: cmd, Device: device.Web, AppID: 7, IMEI: "w1", Body: b}.Append(nil)
		if err := c.WriteMessage(websocket.BinaryMessage, frame); err != nil {
			t.Fatal(err)
		}
	}
	expect := func(cmd command.Code) {
		t.Helper()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, b, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for %v: %v", cmd, err)
		}
		p, err := packet.ParseServer(b, packet.Limits{})
		if err != nil || p.Command != cmd {
			t.Fatalf("got %v (%v), want %v", p.Command, err, cmd)
		}
	}
	send(command.Login, payload.Login{UserID: "alice", UserSign: sign})
	expect(command.LoginAck)
	time.Sleep(time.Second) // the condition is time passing: beyond every server deadline
	send(command.Ping, map[string]any{})
	expect(command.Ping)
}

// TestHTTPServerTimeouts: both HTTP servers of the gateway bound reading
// the headers, idling between requests and writing a response.
func TestHTTPServerTimeouts(t *testing.T) {
	g, _, _ := testGateway(t, device.PolicyUnlimited)
	g.cfg.WSAddr, g.cfg.HTTPAddr = "127.0.0.1:0", "127.0.0.1:0"
	if err := g.Listen(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.closeListeners(); _ = g.httpLn.Close() })
	servers := g.httpServers(t.Context())
	if len(servers) != 2 {
		t.Fatalf("%d servers, want the WebSocket and ops ones", len(servers))
	}
	for ln, s := range servers {
		if s.ReadHeaderTimeout <= 0 || s.IdleTimeout <= 0 || s.WriteTimeout <= 0 {
			t.Errorf("%s: read header %v, idle %v, write %v", ln.Addr(), s.ReadHeaderTimeout, s.IdleTimeout, s.WriteTimeout)
		}
	}
}
