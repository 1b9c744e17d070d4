package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/whaleim/whaleim/im-domain/domain"
	"github.com/whaleim/whaleim/im-tcp/gateway"
)

// staticRegistry stands in for ZooKeeper in one process: the gateway
// registers its node here, and the domain's login routing lists it. A
// path is held by one registration at a time, as an ephemeral znode is.
type staticRegistry struct {
	mu    sync.Mutex
	nodes map[string]gateway.Node
}

func newStaticRegistry() *staticRegistry {
	return &staticRegistry{nodes: map[string]gateway.Node{}}
}

// Register implements gateway.Registry.
func (r *staticRegistry) Register(_ context.Context, path string, data []byte) (gateway.Registration, error) {
	var n gateway.Node
	if err := json.Unmarshal(data, &n); err != nil {
		return nil, fmt.Errorf("registry: node %s: %w", path, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, taken := r.nodes[path]; taken {
		return nil, fmt.Errorf("registry: %s is already registered", path)
	}
	r.nodes[path] = n
	return &registration{r: r, path: path}, nil
}

// Gateways implements domain.Gateways, in path order.
func (r *staticRegistry) Gateways(context.Context) ([]domain.Gateway, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]domain.Gateway, 0, len(r.nodes))
	for _, p := range slices.Sorted(func(yield func(string) bool) {
		for p := range r.nodes {
			if !yield(p) {
				return
			}
		}
	}) {
		n := r.nodes[p]
		out = append(out, domain.Gateway{ID: n.BrokerID, TCP: n.TCP, WS: n.WS})
	}
	return out, nil
}

// registration is one claimed path.
type registration struct {
	r    *staticRegistry
	path string
}

// Run holds the registration until ctx ends: in one process nothing can
// expire it.
func (g *registration) Run(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// Ready reports whether the path is still held.
func (g *registration) Ready() bool {
	g.r.mu.Lock()
	defer g.r.mu.Unlock()
	_, ok := g.r.nodes[g.path]
	return ok
}

// Deregister releases the path.
func (g *registration) Deregister(context.Context) error {
	g.r.mu.Lock()
	defer g.r.mu.Unlock()
	delete(g.r.nodes, g.path)
	return nil
}
