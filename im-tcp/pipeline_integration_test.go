//go:build integration

package main

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/config"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/mq"
)

// defaultShards is IM_UPLINK_SHARDS's default, which the test gateways use.
const defaultShards = config.DefaultUplinkShards

// shardCopy binds a private queue to the uplink shard of conv: direct
// exchanges deliver to every bound queue, so it sees what the shard gets.
func shardCopy(t *testing.T, ch *amqp.Channel, app uint32, conv string) <-chan amqp.Delivery {
	t.Helper()
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind(q.Name, mq.UplinkKey(mq.Shard(app, conv, defaultShards)), mq.ExchangeUplink, false, nil); err != nil {
		t.Fatal(err)
	}
	deliveries, err := ch.Consume(q.Name, "", true, true, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	return deliveries
}

// TestPipelinedUplinksArriveBatchedInOrder: a client writing its messages
// back to back, faster than its send rate, is slowed down, not refused or
// disconnected; its uplinks reach the shard in order, several per broker
// message, each batch persistent.
func TestPipelinedUplinksArriveBatchedInOrder(t *testing.T) {
	rdb := redisClient(t)
	app, secret := seedApp(t, rdb, device.PolicyUnlimited)
	g := startGateway(t, zkRoot(t), map[string]string{"IM_SEND_RATE": "200", "IM_SEND_BURST": "100"})
	const n = 400 // 100 in the burst, the rest paced at 200/s
	for _, transport := range []string{"tcp", "ws"} {
		t.Run(transport, func(t *testing.T) {
			user := "pipe-" + transport
			deliveries := shardCopy(t, amqpChannel(t), app, mq.P2PConversation(user, "bob"))
			c := dialTCP(t, g.tcp, app, device.IOS, "i-"+transport)
			if transport == "ws" {
				c = dialWS(t, g.ws, app, device.IOS, "i-"+transport)
			}
			c.login(user, secret)
			for i := range n {
				c.send(command.MessageP2P, map[string]string{"messageId": fmt.Sprint("m", i), "toId": "bob"})
			}
			var got []string
			batches := 0
			for len(got) < n {
				select {
				case d := <-deliveries:
					ups, err := mq.DecodeUplinks(d.Body)
					if err != nil || d.DeliveryMode != amqp.Transient { // see queuePublisher
						t.Fatalf("uplink message %s (mode %d): %v", d.Body, d.DeliveryMode, err)
					}
					batches++
					for _, u := range ups {
						var m struct{ MessageID string }
						_ = json.Unmarshal(u.Payload, &m)
						got = append(got, m.MessageID)
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("%d of %d uplinks published", len(got), n)
				}
			}
			for i, id := range got {
				if id != fmt.Sprint("m", i) {
					t.Fatalf("uplink %d is %s: order lost", i, id)
				}
			}
			if batches >= n {
				t.Errorf("%d uplinks in %d broker messages: not batched", n, batches)
			}
			t.Logf("%d uplinks in %d broker messages", n, batches)
			c.ping() // no refusal was written before the pong, and the connection is open
		})
	}
}

// TestPushBatchWritesEveryPushInOrder: one downlink message carrying a
// batch of pushes is written to the device push by push, in order.
func TestPushBatchWritesEveryPushInOrder(t *testing.T) {
	rdb := redisClient(t)
	app, secret := seedApp(t, rdb, device.PolicyUnlimited)
	g := startGateway(t, zkRoot(t), nil)
	c := dialWS(t, g.ws, app, device.Web, "w1")
	c.login("ann", secret)
	to := []device.ID{{AppID: app, UserID: "ann", Type: device.Web, IMEI: "w1"}}
	var pushes []mq.Push
	for i := range 5 {
		pushes = append(pushes, mq.Push{Version: mq.Version, Command: command.MessageP2P, AppID: app,
			ToID: "ann", MessageID: fmt.Sprint("p", i), To: to, Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))})
	}
	body := mq.AppendPushes(nil, pushes)
	if err := amqpChannel(t).PublishWithContext(t.Context(), mq.ExchangeDownlink, g.broker, true, false,
		amqp.Publishing{Body: body}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		f := c.expect(command.MessageP2P, 0)
		if want := fmt.Sprintf(`{"n":%d}`, i); string(f.Data) != want {
			t.Fatalf("push %d carried %s, want %s", i, f.Data, want)
		}
	}
}

// TestEveryUplinkOfAFailedBatchIsRefused: when batches cannot be confirmed
// in time, each pipelined message still gets exactly one ACK, the
// retryable 9002 with its messageId.
func TestEveryUplinkOfAFailedBatchIsRefused(t *testing.T) {
	rdb := redisClient(t)
	app, secret := seedApp(t, rdb, device.PolicyUnlimited)
	g := startGateway(t, zkRoot(t), map[string]string{"IM_RABBIT_PUBLISH_TIMEOUT": "1us", "IM_SEND_RATE": "0"})
	c := dialTCP(t, g.tcp, app, device.IOS, "i1")
	c.login("ann", secret)
	const n = 50
	for i := range n {
		c.send(command.MessageP2P, map[string]string{"messageId": fmt.Sprint("m", i), "toId": "bob"})
	}
	acks := map[string]int{}
	for range n {
		f := c.expect(command.MessageAck, 9002)
		var d struct{ Data struct{ MessageID string } }
		_ = json.Unmarshal(f.Data, &d)
		acks[d.Data.MessageID]++
	}
	for i := range n {
		if id := fmt.Sprint("m", i); acks[id] != 1 {
			t.Errorf("%s got %d refusals", id, acks[id])
		}
	}
}

// TestShutdownFlushesLingeringUplinks: uplinks still waiting for their
// batch when the gateway stops are published before it exits.
func TestShutdownFlushesLingeringUplinks(t *testing.T) {
	rdb := redisClient(t)
	app, secret := seedApp(t, rdb, device.PolicyUnlimited)
	g := startGateway(t, zkRoot(t), map[string]string{"IM_UPLINK_LINGER": "1h", "IM_SEND_RATE": "0"})
	deliveries := shardCopy(t, amqpChannel(t), app, mq.P2PConversation("ann", "bob"))
	c := dialTCP(t, g.tcp, app, device.IOS, "i1")
	c.login("ann", secret)
	for i := range 3 {
		c.send(command.MessageP2P, map[string]string{"messageId": fmt.Sprint("m", i), "toId": "bob"})
	}
	c.ping() // the read loop has queued the three messages
	select {
	case d := <-deliveries:
		t.Fatalf("published before the linger or shutdown: %s", d.Body)
	default:
	}
	g.stop()
	select {
	case d := <-deliveries:
		ups, err := mq.DecodeUplinks(d.Body)
		if err != nil || len(ups) != 3 {
			t.Fatalf("flushed %s: %v", d.Body, err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("lingering uplinks not flushed at shutdown")
	}
}
