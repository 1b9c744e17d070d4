//go:build integration

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/big"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/gorilla/websocket"
	"github.com/redis/go-redis/v9"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-common/usersign"
	"github.com/whaleim/whaleim/im-tcp/gateway"
)

func testEnv(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

var (
	rabbitURL = testEnv("IM_TEST_RABBIT_URL", "amqp://guest:guest@127.0.0.1:5672/")
	redisAddr = testEnv("IM_TEST_REDIS_ADDR", "127.0.0.1:6379")
	zkAddr    = testEnv("IM_TEST_ZK_ADDR", "127.0.0.1:2181")
)

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randomApp returns an app id unlikely to be used by any other test.
func randomApp() uint32 {
	n, _ := rand.Int(rand.Reader, big.NewInt(1<<30))
	return uint32(n.Int64()) + 1<<30
}

func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	if err := rdb.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("redis %s unreachable: %v", redisAddr, err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// seedApp writes the app hash as the domain would and removes it (and the
// app's session keys) after the test.
func seedApp(t *testing.T, rdb *redis.Client, policy device.Policy) (uint32, []byte) {
	t.Helper()
	app, secret := randomApp(), []byte("secret-"+randHex(8))
	err := rdb.HSet(t.Context(), session.AppKey(app), session.AppFieldSecret, secret,
		session.AppFieldPolicy, strconv.Itoa(int(policy))).Err()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := rdb.Keys(ctx, strconv.FormatUint(uint64(app), 10)+":*").Result()
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
	})
	return app, secret
}

// zkRoot returns a private ZooKeeper root and deletes it after the test.
func zkRoot(t *testing.T) string {
	t.Helper()
	root := "/imtest-" + randHex(6)
	t.Cleanup(func() {
		c, _, err := zk.Connect([]string{zkAddr}, 5*time.Second, zk.WithLogInfo(false))
		if err != nil {
			return
		}
		defer c.Close()
		kids, _, _ := c.Children(root + "/gateways")
		for _, k := range kids {
			_ = c.Delete(root+"/gateways/"+k, -1)
		}
		_ = c.Delete(root+"/gateways", -1)
		_ = c.Delete(root, -1)
	})
	return root
}

// gw is an in-process gateway built by main's wiring.
type gw struct {
	n            *node
	tcp, ws, ops string
	broker       string
	stop         context.CancelFunc
	done         chan error
}

// startGateway runs a gateway on loopback :0 ports with extra env.
func startGateway(t *testing.T, root string, extra map[string]string) *gw {
	t.Helper()
	broker := "t" + randHex(6)
	env := map[string]string{
		"IM_BROKER_ID": broker, "IM_TCP_ADDR": "127.0.0.1:0", "IM_WS_ADDR": "127.0.0.1:0",
		"IM_HTTP_ADDR": "127.0.0.1:0", "IM_RABBIT_URL": rabbitURL, "IM_REDIS_ADDR": redisAddr,
		"IM_ZK_SERVERS": zkAddr, "IM_ZK_ROOT": root, "IM_LOG_LEVEL": "warn", "IM_LOG_FORMAT": "text",
		"IM_SHUTDOWN_DRAIN": "1s",
	}
	for k, v := range extra {
		env[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	n, err := build(ctx, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		cancel()
		t.Fatalf("gateway: %v", err)
	}
	server, err := gateway.New(n.cfg, n.deps) // what gateway.Run does, with a handle on the node
	if err == nil {
		err = server.Listen(ctx)
	}
	if err != nil {
		cancel()
		n.close()
		t.Fatal(err)
	}
	g := &gw{n: n, broker: broker, stop: cancel, done: make(chan error, 1)}
	g.tcp, g.ws, g.ops = server.Addrs()
	go func() { g.done <- server.Run(ctx); n.close() }()
	t.Cleanup(func() {
		cancel()
		if err := <-g.done; err != nil {
			t.Errorf("gateway %s: %v", broker, err)
		}
	})
	testwait.Until(t, 10*time.Second, "gateway registered", server.Ready)
	return g
}

// client is a test client over TCP or WebSocket.
type client struct {
	t    *testing.T
	tcp  net.Conn
	r    *packet.Reader
	ws   *websocket.Conn
	app  uint32
	typ  device.Type
	imei string
	// slow writes every byte separately
	slow bool
}

func dialTCP(t *testing.T, addr string, app uint32, typ device.Type, imei string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{t: t, tcp: c, r: packet.NewReader(c, packet.Limits{}), app: app, typ: typ, imei: imei}
}

func dialWS(t *testing.T, addr string, app uint32, typ device.Type, imei string) *client {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{t: t, ws: c, app: app, typ: typ, imei: imei}
}

func (c *client) sendRaw(frame []byte) {
	c.t.Helper()
	var err error
	switch {
	case c.ws != nil:
		err = c.ws.WriteMessage(websocket.BinaryMessage, frame)
	case c.slow:
		for i := range frame {
			if _, err = c.tcp.Write(frame[i : i+1]); err != nil {
				break
			}
			time.Sleep(200 * time.Microsecond)
		}
	default:
		_, err = c.tcp.Write(frame)
	}
	if err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

func (c *client) send(cmd command.Code, body any) {
	c.t.Helper()
	b, _ := json.Marshal(body)
	c.sendRaw(packet.Client{Command: cmd, Version: 1, Device: c.typ, AppID: c.app, IMEI: c.imei, Body: b}.Append(nil))
}

// frame is a decoded downlink envelope.
type frame struct {
	Command command.Code    `json:"command"`
	UserID  string          `json:"userId"`
	IMEI    string          `json:"imei"`
	Data    json.RawMessage `json:"data"`
	code    float64
}

// read returns the next downlink frame, or an error when the connection ends.
func (c *client) read(within time.Duration) (frame, error) {
	var p packet.Server
	var err error
	if c.ws != nil {
		_ = c.ws.SetReadDeadline(time.Now().Add(within))
		var b []byte
		if _, b, err = c.ws.ReadMessage(); err == nil {
			p, err = packet.ParseServer(b, packet.Limits{})
		}
	} else {
		_ = c.tcp.SetReadDeadline(time.Now().Add(within))
		p, err = c.r.ReadServer()
	}
	if err != nil {
		return frame{}, err
	}
	var f frame
	if err := json.Unmarshal(p.Body, &f); err != nil || f.Command != p.Command {
		c.t.Fatalf("bad envelope %s: %v", p.Body, err)
	}
	var d struct{ Code float64 }
	_ = json.Unmarshal(f.Data, &d)
	f.code = d.Code
	return f, nil
}

// expect reads the next frame and checks its command and code.
func (c *client) expect(cmd command.Code, code float64) frame {
	c.t.Helper()
	f, err := c.read(5 * time.Second)
	if err != nil {
		c.t.Fatalf("waiting for %v: %v", cmd, err)
	}
	if f.Command != cmd || f.code != code {
		c.t.Fatalf("got %v code %v (%s), want %v code %v", f.Command, f.code, f.Data, cmd, code)
	}
	return f
}

// expectClosed checks that the server closes the connection.
func (c *client) expectClosed() {
	c.t.Helper()
	for {
		f, err := c.read(5 * time.Second)
		if err == nil {
			c.t.Logf("frame before close: %v %s", f.Command, f.Data)
			continue
		}
		var ne net.Error
		if ok := asNetErr(err, &ne); ok && ne.Timeout() {
			c.t.Fatal("connection still open")
		}
		return
	}
}

func asNetErr(err error, ne *net.Error) bool {
	e, ok := err.(net.Error)
	if ok {
		*ne = e
	}
	return ok
}

func (c *client) login(user string, secret []byte) {
	c.t.Helper()
	sign, err := usersign.Generate(secret, c.app, user, time.Now(), time.Hour)
	if err != nil {
		c.t.Fatal(err)
	}
	c.send(command.Login, map[string]string{"userId": user, "userSign": sign})
	c.expect(command.LoginAck, 200)
}

func (c *client) ping() {
	c.t.Helper()
	c.send(command.Ping, map[string]any{})
	c.expect(command.Ping, 0)
}
