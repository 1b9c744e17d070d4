//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/signedrest"
	"github.com/whaleim/whaleim/im-sdk/go/imclient"
)

// rest is the signed REST client of the run's app.
func rest() *signedrest.Client {
	return &signedrest.Client{BaseURL: cl.domainURL, AppID: cl.appID, Secret: []byte(cl.secret)}
}

func sign(t *testing.T, identifier string) string {
	t.Helper()
	s, err := rest().Sign(identifier)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// call POSTs body to path signed as identifier and returns the answer
// whatever its code.
func call(t *testing.T, identifier, path string, body any) signedrest.Answer {
	t.Helper()
	r, err := rest().Post(context.Background(), identifier, path, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// admin calls path as the app admin and requires success; out may be nil.
func admin(t *testing.T, path string, body, out any) {
	t.Helper()
	if err := rest().Call(context.Background(), "admin", path, body, out); err != nil {
		t.Fatal(err)
	}
}

// newUsers imports n users with a unique prefix and returns their ids.
func newUsers(t *testing.T, prefix string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s_%s_%d", prefix, randHex(3), i)
	}
	for from := 0; from < n; from += 100 {
		batch := []map[string]any{}
		for _, id := range ids[from:min(from+100, n)] {
			batch = append(batch, map[string]any{"userId": id, "nickName": id})
		}
		admin(t, "/v1/user/importUser", map[string]any{"userData": batch}, nil)
	}
	return ids
}

// dev is one logged-in device whose downlink is recorded.
type dev struct {
	*imclient.Client
	user, name string
	mu         sync.Mutex
	got        []payload.Envelope
}

// connect logs user in on gateway gw (0 or 1) over WebSocket or TCP.
func connect(t *testing.T, user string, gw int, ws bool, typ device.Type) *dev {
	t.Helper()
	return connectTo(t, user, cl.gateways[gw], fmt.Sprint("gw", gw+1), ws, typ)
}

// connectTo logs user in on gateway g (named name in messages).
func connectTo(t *testing.T, user string, g *gatewayAddr, name string, ws bool, typ device.Type) *dev {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := imclient.Device{AppID: cl.appID, Type: typ, IMEI: "imei-" + randHex(4)}
	var c *imclient.Client
	var err error
	switch {
	case ws && g.tls != nil:
		c, err = imclient.DialWebSocket(ctx, "wss://"+g.ws+"/ws", d, imclient.WithTLS(g.tls))
	case ws:
		c, err = imclient.DialWebSocket(ctx, "ws://"+g.ws+"/ws", d)
	default:
		c, err = imclient.DialTCP(ctx, g.tcp, d, imclient.WithTLS(g.tls))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(ctx, user, sign(t, user)); err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	x := &dev{Client: c, user: user, name: fmt.Sprintf("%s/%s/ws=%v/%v", user, name, ws, typ)}
	go x.record()
	return x
}

func (d *dev) record() {
	for env := range d.Events() {
		d.mu.Lock()
		d.got = append(d.got, env)
		d.mu.Unlock()
	}
}

// received returns the decoded data of every recorded envelope with cmd.
func received[T any](d *dev, cmd command.Code) []T {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []T
	for _, e := range d.got {
		if e.Command == cmd {
			var v T
			_ = json.Unmarshal(e.Data, &v)
			out = append(out, v)
		}
	}
	return out
}

// messages returns the chat messages (1103 or 2104) d received, in arrival order.
func (d *dev) messages(cmd command.Code) []payload.Message { return received[payload.Message](d, cmd) }

func send(t *testing.T, d *dev, m imclient.Message) imclient.Ack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	a, err := d.Send(ctx, m)
	if err != nil {
		t.Fatalf("%s send: %v", d.name, err)
	}
	return a
}

// count runs a COUNT(*) query on the run's database.
func count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	if standaloneTarget() {
		return countSQLite(t, fmt.Sprintf(sql, args...))
	}
	rows, err := mysqlExec(cl.db, fmt.Sprintf(sql, args...))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(rows[0][0])
	return n
}

func p2pConv(a, b string) string { return mq.P2PConversation(a, b) }

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

func signErr(identifier string) (string, error) { return rest().Sign(identifier) }
