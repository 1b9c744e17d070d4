// Package routing hands a client a gateway at login (POST /v1/user/login):
// it reads the live gateways from the registry and picks one by the app's
// strategy: random, round robin, or consistent hash of the user id (the
// same user lands on the same gateway while the membership is stable, and
// only the users of a node that leaves move).
//
// WhaleShark bugs fixed: its domain never got a ZooKeeper client (login
// NPE'd), its nodes were persistent (dead gateways were handed out), and
// its ring was rebuilt on every call with 2 virtual nodes per gateway.
package routing

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/zookeeper"
	"github.com/whaleim/whaleim/im-domain/internal/app"
)

// Gateway is one live gateway as it registered itself.
type Gateway struct {
	ID  string `json:"-"`   // brokerId: the registry node name
	TCP string `json:"tcp"` // host:port for raw TCP clients
	WS  string `json:"ws"`  // host:port (or URL) for WebSocket clients
}

// Members lists the live gateways (Registry over ZooKeeper; a fake or a
// static list in tests and in the standalone binary).
type Members interface {
	Gateways(ctx context.Context) ([]Gateway, error)
}

// Address is the login routing answer. IP and Port repeat the chosen
// address in WhaleShark's {ip, port} form.
type Address struct {
	BrokerID   string      `json:"brokerId"`
	TCPAddress string      `json:"tcpAddress"`
	WSAddress  string      `json:"wsAddress"`
	IP         string      `json:"ip"`
	Port       int         `json:"port"`
	ClientType device.Type `json:"clientType"`
}

// Picker picks gateways.
type Picker struct {
	members Members
	rr      atomic.Uint64

	mu   sync.Mutex
	ring *ring // cached for the last membership seen
}

// NewPicker returns a Picker over members.
func NewPicker(members Members) *Picker { return &Picker{members: members} }

// Pick chooses a gateway for userID by strategy. Web clients get the
// WebSocket address as {ip, port}, others the TCP one.
func (p *Picker) Pick(ctx context.Context, s app.RouteStrategy, userID string, ct device.Type) (Address, error) {
	gws, err := p.members.Gateways(ctx)
	if err != nil {
		return Address{}, fmt.Errorf("routing: %w: %w", errcode.Unavailable.With("gateway registry unreachable"), err)
	}
	if len(gws) == 0 {
		return Address{}, errcode.Unavailable.With("no gateway available")
	}
	var g Gateway
	switch s {
	case app.RouteRandom:
		g = gws[rand.IntN(len(gws))]
	case app.RouteRoundRobin:
		g = gws[(p.rr.Add(1)-1)%uint64(len(gws))]
	default:
		g = p.ringFor(gws).lookup(userID)
	}
	return address(g, ct), nil
}

func (p *Picker) ringFor(gws []Gateway) *ring {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ring == nil || !p.ring.same(gws) {
		p.ring = newRing(gws, virtualNodes)
	}
	return p.ring
}

func address(g Gateway, ct device.Type) Address {
	a := Address{BrokerID: g.ID, TCPAddress: g.TCP, WSAddress: g.WS, ClientType: ct}
	chosen := g.TCP
	if ct == device.Web {
		chosen = g.WS
	}
	if host, port, err := net.SplitHostPort(hostPort(chosen)); err == nil {
		a.IP = host
		a.Port, _ = strconv.Atoi(port)
	}
	return a
}

// Registry reads gateways from ZooKeeper children of path ({IM_ZK_ROOT}/gateways).
type Registry struct {
	zk   *zookeeper.Client
	path string
}

// NewRegistry returns a Registry.
func NewRegistry(zk *zookeeper.Client, path string) *Registry { return &Registry{zk: zk, path: path} }

// Gateways implements Members. Nodes with unreadable data are skipped.
func (r *Registry) Gateways(ctx context.Context) ([]Gateway, error) {
	ms, err := r.zk.Members(ctx, r.path)
	if err != nil {
		return nil, err
	}
	out := make([]Gateway, 0, len(ms))
	for _, m := range ms {
		var g Gateway
		if json.Unmarshal(m.Data, &g) == nil && (g.TCP != "" || g.WS != "") {
			g.ID = m.Name
			out = append(out, g)
		}
	}
	return out, nil
}
