package scriptgw

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-sdk/go/imclient"
)

func start(t *testing.T, file string, opts ...Option) *Gateway {
	t.Helper()
	sc, err := Load("../../../conformance/scenarios/" + file)
	if err != nil {
		t.Fatal(err)
	}
	g, err := Start(sc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	return g
}

func dial(t *testing.T, ctx context.Context, g *Gateway, ws bool) *imclient.Client {
	t.Helper()
	d := imclient.Device{AppID: AppID, Type: device.Android, IMEI: "conformance"}
	var c *imclient.Client
	var err error
	if ws {
		c, err = imclient.DialWebSocket(ctx, g.WSURL(), d)
	} else {
		c, err = imclient.DialTCP(ctx, g.TCPAddr(), d)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Login(ctx, "alice", "any-sign"); err != nil {
		t.Fatal(err)
	}
	// the sync every SDK runs after a login, which scripts wait for
	resp, err := http.Post(g.RESTURL()+"/v1/message/getMaxSequences", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return c
}

// A client that does what in_order asks (receive-ACK both pushes) leaves
// no violation, over both sockets.
func TestScriptedGatewayAcceptsConformingClient(t *testing.T) {
	for _, ws := range []bool{false, true} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		g := start(t, "01_in_order.json")
		c := dial(t, ctx, g, ws)
		for range 2 {
			env := <-c.Events()
			var m payload.Message
			if env.Command != command.MessageP2P || json.Unmarshal(env.Data, &m) != nil {
				t.Fatalf("got %v %s", env.Command, env.Data)
			}
			if err := c.ReceiveAck(payload.ReceiveAck{MessageID: m.MessageID, MessageKey: m.MessageKey,
				MessageSequence: m.MessageSequence, ToID: m.FromID}); err != nil {
				t.Fatal(err)
			}
		}
		<-g.Done()
		if v := g.Violations(); len(v) > 0 {
			t.Errorf("ws=%v: violations %v", ws, v)
		}
	}
}

// A resend under a new messageId, and a pull nobody expected, are reported.
func TestScriptedGatewayReportsWrongResend(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	g := start(t, "07_resend_after_timeout.json", WithExpectTimeout(500*time.Millisecond))
	c := dial(t, ctx, g, false)
	<-g.Actions()
	for _, id := range []string{"first-id", "second-id"} {
		if err := c.Post(imclient.Message{MessageID: id, GroupID: "g1", Body: "anyone?"}); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-g.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the scenario never ended")
	}
	v := g.Violations()
	if len(v) == 0 || !strings.Contains(strings.Join(v, "\n"), "no [MSG_P2P MSG_GROUP]") {
		t.Errorf("violations %q, want the missing resend of first-id", v)
	}
}
