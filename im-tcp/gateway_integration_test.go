//go:build integration

package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-common/usersign"
)

func TestLoginAndPing_SlowTCPAndWebSocket(t *testing.T) {
	rdb := redisClient(t)
	app, secret := seedApp(t, rdb, device.PolicyUnlimited)
	g := startGateway(t, zkRoot(t), nil)

	tc := dialTCP(t, g.tcp, app, device.Android, "a1")
	tc.slow = true
	tc.login("alice", secret)
	tc.ping()

	wc := dialWS(t, g.ws, app, device.Web, "w1")
	wc.login("alice", secret)
	wc.ping()

	fields, err := rdb.HKeys(t.Context(), session.Key(app, "alice")).Result()
	if err != nil || len(fields) != 2 {
		t.Fatalf("sessions %v %v", fields, err)
	}
	var s session.Session
	raw, _ := rdb.HGet(t.Context(), session.Key(app, "alice"), "3:a1").Result()
	if json.Unmarshal([]byte(raw), &s) != nil || s.Broker != g.broker {
		t.Fatalf("session %s", raw)
	}
	if ttl := rdb.PTTL(t.Context(), session.Key(app, "alice")).Val(); ttl <= 0 {
		t.Fatalf("session hash has no TTL: %v", ttl)
	}
	// Logout removes the device's session and closes.
	tc.send(command.Logout, map[string]any{})
	tc.expectClosed()
	testwait.Until(t, 5*time.Second, "logout removed the session", func() bool {
		return !rdb.HExists(context.Background(), session.Key(app, "alice"), "3:a1").Val()
	})
}

func TestBadClientsGetErrorsAndOthersAreServed(t *testing.T) {
	rdb := redisClient(t)
	app, secret := seedApp(t, rdb, device.PolicyUnlimited)
	g := startGateway(t, zkRoot(t), nil)
	good := dialTCP(t, g.tcp, app, device.IOS, "good")
	good.login("gina", secret)

	t.Run("unauthenticated message", func(t *testing.T) {
		c := dialTCP(t, g.tcp, app, device.IOS, "x")
		c.t = t
		c.send(command.MessageP2P, map[string]string{"messageId": "m1", "toId": "b"})
		f := c.expect(command.MessageAck, 2000)
		if string(f.Data) == "" || !json.Valid(f.Data) {
			t.Fatal("no data")
		}
		c.ping() // still open
	})
	t.Run("forged fromId and wrong appId", func(t *testing.T) {
		c := dialWS(t, g.ws, app, device.Web, "w")
		c.t = t
		c.login("mallory", secret)
		c.send(command.MessageP2P, map[string]string{"messageId": "m2", "fromId": "gina", "toId": "b"})
		c.expect(command.MessageAck, 7001)
		c.app = app + 1
		c.send(command.MessageRead, map[string]string{"toId": "b"})
		c.expect(command.ErrorNotice, 2004)
		c.app = app
		c.ping()
	})
	t.Run("expired sign", func(t *testing.T) {
		c := dialTCP(t, g.tcp, app, device.IOS, "e")
		c.t = t
		sign, _ := usersign.Generate(secret, app, "eve", time.Now().Add(-2*time.Hour), time.Hour)
		c.send(command.Login, map[string]string{"userId": "eve", "userSign": sign})
		c.expect(command.LoginAck, 2003)
		c.expectClosed()
	})
	t.Run("2 GiB body length", func(t *testing.T) {
		c := dialTCP(t, g.tcp, app, device.IOS, "big")
		c.t = t
		h := make([]byte, packet.ClientHeaderSize)
		binary.BigEndian.PutUint32(h[0:], uint32(command.MessageP2P))
		binary.BigEndian.PutUint32(h[16:], app)
		binary.BigEndian.PutUint32(h[24:], 1<<31)
		c.sendRaw(h)
		c.expect(command.ErrorNotice, 1005)
		c.expectClosed()
	})
	t.Run("unknown command", func(t *testing.T) {
		c := dialTCP(t, g.tcp, app, device.IOS, "u")
		c.t = t
		c.login("ursula", secret)
		c.send(command.Code(4242), map[string]any{})
		c.expect(command.ErrorNotice, 1004)
		c.ping()
	})
	good.ping()
}

func TestHeartbeatTimeoutClosesAndRemovesSession(t *testing.T) {
	rdb := redisClient(t)
	app, secret := seedApp(t, rdb, device.PolicyUnlimited)
	g := startGateway(t, zkRoot(t), map[string]string{"IM_HEARTBEAT_TIMEOUT": "1s"})
	c := dialTCP(t, g.tcp, app, device.Mac, "m")
	c.login("sam", secret)
	if !rdb.HExists(t.Context(), session.Key(app, "sam"), "5:m").Val() {
		t.Fatal("no session after login")
	}
	start := time.Now()
	c.expectClosed()
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("closed after %v, timeout 1s", d)
	}
	testwait.Until(t, 3*time.Second, "session removed", func() bool {
		return !rdb.HExists(context.Background(), session.Key(app, "sam"), "5:m").Val()
	})
}

func TestPolicyKicksDeviceOnOtherGateway(t *testing.T) {
	rdb := redisClient(t)
	app, secret := seedApp(t, rdb, device.PolicyOneDevice)
	root := zkRoot(t)
	a, b := startGateway(t, root, nil), startGateway(t, root, nil)
	old := dialTCP(t, a.tcp, app, device.Android, "phone")
	old.login("kim", secret)
	nu := dialWS(t, b.ws, app, device.Web, "browser")
	nu.login("kim", secret)
	f := old.expect(command.MutualLogin, 7002)
	if f.UserID != "kim" || f.IMEI != "phone" {
		t.Errorf("kick addressed to %s/%s", f.UserID, f.IMEI)
	}
	old.expectClosed()
	testwait.Until(t, 5*time.Second, "only the new session left", func() bool {
		keys := rdb.HKeys(context.Background(), session.Key(app, "kim")).Val()
		return len(keys) == 1 && keys[0] == "1:browser"
	})
	nu.ping()
	// The same device reconnecting replaces itself and kicks nobody.
	again := dialTCP(t, a.tcp, app, device.Web, "browser")
	again.login("kim", secret)
	again.ping()
}

// amqpChannel opens a raw channel for the test's own queues.
func amqpChannel(t *testing.T) *amqp.Channel {
	t.Helper()
	conn, err := amqp.Dial(rabbitURL)
	if err != nil {
		t.Fatalf("rabbitmq unreachable: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestUplinkDownlinkAndPublishFailure(t *testing.T) {
	rdb := redisClient(t)
	app, secret := seedApp(t, rdb, device.PolicyUnlimited)
	g := startGateway(t, zkRoot(t), nil)
	ch := amqpChannel(t)
	deliveries := shardCopy(t, ch, app, mq.P2PConversation("ann", "bob"))
	ann := dialTCP(t, g.tcp, app, device.IOS, "ann-ios")
	ann.login("ann", secret)
	msgID := "msg-" + randHex(4)
	ann.send(command.MessageP2P, map[string]string{"messageId": msgID, "fromId": "ann", "toId": "bob", "messageBody": "hi"})
	var up mq.Uplink
	for up.Command == 0 {
		select {
		case d := <-deliveries:
			ups, err := mq.DecodeUplinks(d.Body)
			if err == nil && len(ups) == 1 && ups[0].From.AppID == app {
				up = ups[0]
				if d.DeliveryMode != amqp.Transient { // the store record is the durability point
					t.Error("uplink published persistent: every batch would cost the shard queue a disk write")
				}
			}
		case <-time.After(5 * time.Second):
			t.Fatal("uplink not published to its shard")
		}
	}
	want := device.ID{AppID: app, UserID: "ann", Type: device.IOS, IMEI: "ann-ios"}
	if up.From != want || up.Broker != g.broker || up.Command != command.MessageP2P {
		t.Errorf("uplink %+v", up)
	}

	push, _ := json.Marshal(mq.Push{Version: 1, Command: command.MessageP2P, AppID: app, ToID: "ann", MessageID: msgID,
		To:   []device.ID{want, {AppID: app, UserID: "ann", Type: device.Android, IMEI: "elsewhere"}},
		Data: json.RawMessage(`{"messageBody":"hi"}`)})
	if err := ch.PublishWithContext(t.Context(), mq.ExchangeDownlink, g.broker, true, false,
		amqp.Publishing{Body: push}); err != nil {
		t.Fatal(err)
	}
	f := ann.expect(command.MessageP2P, 0)
	if f.UserID != "ann" || f.IMEI != "ann-ios" || string(f.Data) != `{"messageBody":"hi"}` {
		t.Errorf("push frame %+v %s", f, f.Data)
	}

	slow := startGateway(t, zkRoot(t), map[string]string{"IM_RABBIT_PUBLISH_TIMEOUT": "1us"})
	c := dialTCP(t, slow.tcp, app, device.IOS, "ann-2")
	c.login("ann2", secret)
	c.send(command.MessageP2P, map[string]string{"messageId": "m-timeout", "toId": "bob"})
	f = c.expect(command.MessageAck, 9002)
	var d struct{ Data struct{ MessageID string } }
	if json.Unmarshal(f.Data, &d); d.Data.MessageID != "m-timeout" {
		t.Errorf("retryable ack without the messageId: %s", f.Data)
	}
}
