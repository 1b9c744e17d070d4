package shard

import (
	"context"
	"fmt"

	"github.com/whaleim/whaleim/im-common/zookeeper"
)

// ZooKeeper is Members over the children of a ZooKeeper path
// ({IM_ZK_ROOT}/domains): each domain node's ephemeral registration, named
// by its node id.
type ZooKeeper struct {
	zk   *zookeeper.Client
	path string
}

// NewZooKeeper returns the members registered under path.
func NewZooKeeper(zk *zookeeper.Client, path string) *ZooKeeper {
	return &ZooKeeper{zk: zk, path: path}
}

// Watch implements Members.
func (z *ZooKeeper) Watch(ctx context.Context) (<-chan []string, error) {
	ms, err := z.zk.Watch(ctx, z.path)
	if err != nil {
		return nil, fmt.Errorf("shard: %w", err)
	}
	out := make(chan []string, 1)
	go func() {
		defer close(out)
		for list := range ms {
			names := make([]string, len(list))
			for i, m := range list {
				names[i] = m.Name
			}
			select {
			case out <- names:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
