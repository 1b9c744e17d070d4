package domain

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/whaleim/whaleim/im-domain/internal/httpapi"
	"github.com/whaleim/whaleim/im-domain/internal/mqapi"
	"github.com/whaleim/whaleim/im-domain/internal/shard"
)

// shardAssignment registers this node under {IM_ZK_ROOT}/domains and
// returns the Balancer that spreads the uplink shards over the registered
// nodes. Without ZooKeeper (injected Gateways: the standalone binary, one
// node by design) it returns nil: the node owns every shard.
func (n *Node) shardAssignment(ctx context.Context, shards int) (mqapi.Assignment, error) {
	if n.zk == nil {
		return nil, nil
	}
	dir := n.cfg.ZooKeeper.Root + "/domains"
	data, err := json.Marshal(map[string]string{"http": n.cfg.HTTPAddr})
	if err != nil {
		return nil, fmt.Errorf("domain: registration data: %w", err)
	}
	reg, err := n.zk.Register(ctx, dir+"/"+n.cfg.NodeID, data)
	if err != nil {
		return nil, fmt.Errorf("domain: register node (IM_NODE_ID %q): %w", n.cfg.NodeID, err)
	}
	n.runners = append(n.runners, reg.Run)
	n.log.Info("domain node registered", "node", n.cfg.NodeID, "path", reg.Path())
	return shard.NewBalancer(n.cfg.NodeID, shards, shard.NewZooKeeper(n.zk, dir), n.cfg.RebalanceGap, n.log), nil
}

// shardMetrics exports how many uplink shards this node consumes.
func (n *Node) shardMetrics(reg prometheus.Registerer) error {
	g := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "im_domain_uplink_shards_owned",
		Help: "Uplink shard queues this domain node consumes now (its part of IM_UPLINK_SHARDS).",
	}, func() float64 { return float64(n.uplinks.Owned()) })
	if err := reg.Register(g); err != nil {
		return fmt.Errorf("domain: register shard metric: %w", err)
	}
	return nil
}

// shardCheck shows in /readyz how many uplink shards this node consumes;
// owning none is no failure (more nodes than shards, or a hand-over).
func (n *Node) shardCheck() httpapi.Check {
	total := max(n.cfg.Rabbit.UplinkShards, 1)
	return httpapi.Check{Name: "uplink_shards", Check: func(context.Context) error { return nil },
		Detail: func() string { return fmt.Sprintf("%d/%d", n.uplinks.Owned(), total) }}
}
