package routing

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/app"
)

type fakeMembers []Gateway

func (f fakeMembers) Gateways(context.Context) ([]Gateway, error) { return f, nil }

func gateways(n int) []Gateway {
	var out []Gateway
	for i := range n {
		out = append(out, Gateway{ID: fmt.Sprintf("gw-%d", i), TCP: fmt.Sprintf("10.0.0.%d:19001", i), WS: fmt.Sprintf("ws://10.0.0.%d:19002/ws", i)})
	}
	return out
}

func TestRingDistribution(t *testing.T) {
	r := newRing(gateways(4), virtualNodes)
	counts := map[string]int{}
	const users = 40000
	for i := range users {
		counts[r.lookup(fmt.Sprintf("user-%d", i)).ID]++
	}
	for id, n := range counts {
		if share := float64(n) / users; share < 0.18 || share > 0.32 {
			t.Errorf("%s got %.1f%% of users, want about 25%%", id, share*100)
		}
	}
}

func TestRingStabilityWhenANodeLeaves(t *testing.T) {
	all := gateways(5)
	before := newRing(all, virtualNodes)
	after := newRing(append(all[:2:2], all[3:]...), virtualNodes) // gw-2 leaves
	moved := 0
	for i := range 20000 {
		key := fmt.Sprintf("user-%d", i)
		b, a := before.lookup(key), after.lookup(key)
		if b.ID != "gw-2" && a.ID != b.ID {
			t.Fatalf("%s moved from %s to %s though its node stayed", key, b.ID, a.ID)
		}
		if b.ID == "gw-2" {
			moved++
		}
	}
	if moved == 0 {
		t.Fatal("gw-2 owned no users")
	}
}

func TestPickStrategies(t *testing.T) {
	p := NewPicker(fakeMembers(gateways(3)))
	ctx := t.Context()
	// Consistent hash is stable per user.
	first, err := p.Pick(ctx, app.RouteConsistentHash, "alice", device.IOS)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		again, _ := p.Pick(ctx, app.RouteConsistentHash, "alice", device.IOS)
		if again.BrokerID != first.BrokerID {
			t.Fatalf("consistent hash moved alice: %s then %s", first.BrokerID, again.BrokerID)
		}
	}
	// Round robin visits every gateway in turn.
	seen := map[string]bool{}
	for range 3 {
		a, _ := p.Pick(ctx, app.RouteRoundRobin, "bob", device.IOS)
		seen[a.BrokerID] = true
	}
	if len(seen) != 3 {
		t.Errorf("round robin visited %v", seen)
	}
	// Random stays within the set.
	a, _ := p.Pick(ctx, app.RouteRandom, "carol", device.Android)
	if a.BrokerID == "" || a.IP == "" {
		t.Errorf("random: %+v", a)
	}
}

func TestAddressForms(t *testing.T) {
	g := Gateway{ID: "g", TCP: "1.2.3.4:19001", WS: "ws://5.6.7.8:19002/ws"}
	tcp := address(g, device.Android)
	ws := address(g, device.Web)
	if tcp.IP != "1.2.3.4" || tcp.Port != 19001 || ws.IP != "5.6.7.8" || ws.Port != 19002 {
		t.Errorf("tcp %+v ws %+v", tcp, ws)
	}
	if ws.TCPAddress != g.TCP || ws.WSAddress != g.WS {
		t.Errorf("both forms expected: %+v", ws)
	}
}

func TestNoGateway(t *testing.T) {
	_, err := NewPicker(fakeMembers(nil)).Pick(t.Context(), app.RouteRandom, "u", device.IOS)
	if !errors.Is(err, errcode.Unavailable) {
		t.Fatalf("err = %v, want Unavailable", err)
	}
}
