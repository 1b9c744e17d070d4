package gateway

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/config"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-common/tlstest"
	"github.com/whaleim/whaleim/im-common/usersign"
)

// runTLSGateway serves TCP and WebSocket over TLS on fakes until the test
// ends; it returns the addresses and the client TLS configuration.
func runTLSGateway(t *testing.T) (tcp, ws string, client *tls.Config) {
	t.Helper()
	files := tlstest.New(t)
	env := map[string]string{"IM_TLS_CERT": files.CertFile, "IM_TLS_KEY": files.KeyFile}
	e := config.NewEnv(func(k string) string { return env[k] })
	cfg := DefaultConfig("tls1")
	cfg.TCPAddr, cfg.WSAddr, cfg.HTTPAddr = "127.0.0.1:0", "127.0.0.1:0", ""
	cfg.TLS = config.LoadTLS(e)
	if err := e.Err(); err != nil {
		t.Fatal(err)
	}
	g, err := New(cfg, Deps{Sessions: &fakeSessions{}, Apps: fakeApps{7: {Secret: []byte("s"), Policy: device.PolicyUnlimited}},
		Users: fakeUsers{}, Publisher: &fakePublisher{}, Subscriber: nopSubscriber{}, Registry: nopRegistry{}})
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
	if n := g.node(); !strings.HasPrefix(n.WS, "wss://") {
		t.Errorf("advertised WebSocket address %q, want wss://", n.WS)
	}
	tcp, ws, _ = g.Addrs()
	return tcp, ws, files.ClientConfig("127.0.0.1")
}

func loginFrame(t *testing.T, user string) []byte {
	t.Helper()
	sign, err := usersign.Generate([]byte("s"), 7, user, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(payload.Login{UserID: user, UserSign: sign})
	return packet.Client{Command: command.Login, Version: 1, Device: device.Web, AppID: 7, IMEI: "w", Body: body}.Append(nil)
}

// loginCode reads the LOGIN ACK frame from r and returns its code.
func loginCode(t *testing.T, frame []byte) float64 {
	t.Helper()
	p, err := packet.NewReader(strings.NewReader(string(frame)), packet.DefaultLimits()).ReadServer()
	if err != nil {
		t.Fatalf("login answer: %v", err)
	}
	var ack struct {
		Command command.Code `json:"command"`
		Data    struct {
			Code float64 `json:"code"`
		} `json:"data"`
	}
	if err := json.Unmarshal(p.Body, &ack); err != nil || p.Command != command.LoginAck {
		t.Fatalf("answer %d %s: %v", p.Command, p.Body, err)
	}
	return ack.Data.Code
}

func TestTLSClientsLogIn(t *testing.T) {
	tcp, ws, client := runTLSGateway(t)
	t.Run("tcp", func(t *testing.T) {
		c, err := tls.Dial("tcp", tcp, client)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write(loginFrame(t, "alice")); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		p, err := packet.NewReader(c, packet.DefaultLimits()).ReadServer()
		if err != nil {
			t.Fatal(err)
		}
		if got := loginCode(t, p.Append(nil)); got != 200 {
			t.Fatalf("login code %v", got)
		}
	})
	t.Run("wss", func(t *testing.T) {
		d := websocket.Dialer{TLSClientConfig: client, HandshakeTimeout: 5 * time.Second}
		c, _, err := d.Dial("wss://"+ws+"/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.WriteMessage(websocket.BinaryMessage, loginFrame(t, "bob")); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, msg, err := c.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if got := loginCode(t, msg); got != 200 {
			t.Fatalf("login code %v", got)
		}
	})
}

// TestPlainClientsOnTLSPortsAreRefused: a client that does not speak TLS
// gets its connection closed at once (TCP) or an HTTP 400 (WebSocket), and
// the gateway keeps serving TLS clients.
func TestPlainClientsOnTLSPortsAreRefused(t *testing.T) {
	tcp, ws, client := runTLSGateway(t)
	c, err := net.Dial("tcp", tcp)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(loginFrame(t, "alice")); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	rest, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("plain TCP client still connected after 5 s (read %d bytes)", len(rest))
	}
	if len(rest) > 0 && rest[0] != 0x15 { // 0x15: a TLS alert record
		t.Fatalf("plain TCP client got %q, want nothing or a TLS alert", rest)
	}

	if wc, _, err := websocket.DefaultDialer.Dial("ws://"+ws+"/ws", nil); err == nil {
		wc.Close()
		t.Fatal("a plain WebSocket client upgraded on a TLS port")
	}
	resp, err := http.Get("http://" + ws + "/ws")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("plain HTTP on the TLS WebSocket port: %d, want 400", resp.StatusCode)
	}

	tc, err := tls.Dial("tcp", tcp, client)
	if err != nil {
		t.Fatalf("TLS client after the refusals: %v", err)
	}
	tc.Close()
}
