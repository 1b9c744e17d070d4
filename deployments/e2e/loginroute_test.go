//go:build e2e

package e2e

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-sdk/go/imclient"
)

// Route strategies of an app (routeStrategy).
const (
	routeRoundRobin     = 2
	routeConsistentHash = 3
)

// routed is the answer of the login route.
type routed struct {
	BrokerID   string `json:"brokerId"`
	TCPAddress string `json:"tcpAddress"`
}

// loginRoute asks POST /v1/user/login which gateway user (a TCP client) goes to.
func loginRoute(t *testing.T, user string) routed {
	t.Helper()
	r := call(t, user, "/v1/user/login", map[string]any{"userId": user, "clientType": device.Android})
	if r.Code != 200 {
		t.Fatalf("login route for %s: %d %s", user, r.Code, r.Msg)
	}
	var a routed
	mustJSON(t, r.Data, &a)
	return a
}

// setRoute sets the app's routing strategy.
func setRoute(t *testing.T, strategy int) {
	t.Helper()
	admin(t, "/v1/app/updateSettings", map[string]any{"routeStrategy": strategy}, nil)
}

// liveGateways lists the gateways registered in ZooKeeper now (brokerIds).
func liveGateways() ([]string, error) {
	conn, _, err := zk.Connect([]string{"127.0.0.1:2181"}, 5*time.Second, zk.WithLogInfo(false))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	kids, _, err := conn.Children("/e2e_" + cl.suffix + "/gateways")
	slices.Sort(kids)
	return kids, err
}

// handedOut is the set of gateways the route hands user in calls calls.
func handedOut(t *testing.T, user string, calls int) map[string]routed {
	t.Helper()
	out := map[string]routed{}
	for range calls {
		a := loginRoute(t, user)
		out[a.BrokerID] = a
	}
	return out
}

// chat sends from a to b and waits until b got it.
func chat(t *testing.T, a, b *dev, body string) {
	t.Helper()
	if ack := send(t, a, imclient.Message{MessageID: imclient.NewMessageID(), ToID: b.user, Body: body}); ack.Err() != nil {
		t.Fatalf("%s -> %s: %v", a.name, b.name, ack.Err())
	}
	testwait.Eventually(t, 15*time.Second, func() error {
		for _, m := range b.messages(command.MessageP2P) {
			if m.MessageBody == body {
				return nil
			}
		}
		return fmt.Errorf("%s did not get %q", b.name, body)
	})
}

// TestLoginRouteHandsOutLiveGateways: the REST login route hands out the
// gateways registered in ZooKeeper by the app's strategy (round robin:
// every one in turn; consistent hash: the same one for a user); a client
// connects to the address it got and chats; after kill -9 of that
// gateway, the route stops handing it out once its ephemeral node is gone,
// and the client, routed again, connects to another gateway and chats.
func TestLoginRouteHandsOutLiveGateways(t *testing.T) {
	distributedOnly(t, "starts and kills a gateway of its own")
	g := &gatewayAddr{tcp: freePort(), ws: freePort(), http: freePort()}
	if err := cl.spawnGateway("gateway-route", g, "IM_SEND_RATE=0", fmt.Sprintf("IM_ZK_SESSION_TIMEOUT=%v", shortSession)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.procs["gateway-route"].Kill)
	const mine = "e2e-gateway-route"
	var before struct {
		RouteStrategy int `json:"routeStrategy"`
	}
	admin(t, "/v1/app/getSettings", map[string]any{}, &before)
	t.Cleanup(func() { setRoute(t, before.RouteStrategy) })
	u := newUsers(t, "route", 40)

	setRoute(t, routeRoundRobin)
	var handed map[string]routed
	testwait.Eventually(t, 30*time.Second, func() error {
		live, err := liveGateways()
		if err != nil || !slices.Contains(live, mine) {
			return fmt.Errorf("live gateways %v (%v), want %s among them", live, err, mine)
		}
		handed = handedOut(t, u[0], 2*len(live))
		if got := slices.Sorted(maps.Keys(handed)); !slices.Equal(got, live) {
			return fmt.Errorf("round robin handed out %v, live %v", got, live)
		}
		return nil
	})
	if a := handed[mine]; a.TCPAddress != g.tcp {
		t.Fatalf("route gave %s at %s, it listens on %s", mine, a.TCPAddress, g.tcp)
	}

	setRoute(t, routeConsistentHash)
	var user string
	testwait.Eventually(t, 30*time.Second, func() error {
		for _, id := range u[1:] {
			if got := handedOut(t, id, 3); len(got) == 1 && got[mine].BrokerID == mine {
				user = id
				return nil
			}
		}
		return fmt.Errorf("consistent hash sends none of %d users to %s, each always to one gateway", len(u)-1, mine)
	})
	at := loginRoute(t, user)
	client := connectTo(t, user, &gatewayAddr{tcp: at.TCPAddress}, at.BrokerID, false, device.Android)
	peer := connect(t, u[0], 0, false, device.IOS)
	chat(t, client, peer, "from the routed gateway")
	chat(t, peer, client, "to the routed gateway")

	cl.procs["gateway-route"].Kill()
	killed := time.Now()
	select {
	case <-client.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("the client is still connected to the killed gateway")
	}
	var next routed
	testwait.Eventually(t, shortSession+30*time.Second, func() error {
		if next = loginRoute(t, user); next.BrokerID == mine {
			return fmt.Errorf("the route still hands out %s", mine)
		}
		return nil
	})
	t.Logf("the route stopped handing out the killed gateway after %v; %s moved to %s", time.Since(killed).Round(time.Millisecond), user, next.BrokerID)
	if live, err := liveGateways(); err != nil || slices.Contains(live, mine) {
		t.Fatalf("live gateways %v (%v) still list %s", live, err, mine)
	}
	setRoute(t, routeRoundRobin)
	for _, id := range u[1:4] {
		if got := handedOut(t, id, 12); got[mine].BrokerID != "" {
			t.Fatalf("round robin hands out the dead %s to %s", mine, id)
		}
	}
	moved := connectTo(t, user, &gatewayAddr{tcp: next.TCPAddress}, next.BrokerID, false, device.Android)
	chat(t, moved, peer, "from the next gateway")
	chat(t, peer, moved, "to the next gateway")
}
