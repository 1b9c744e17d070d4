// Package zkregistry adapts the shared im-common/zookeeper client to the
// gateway's Registry port.
package zkregistry

import (
	"context"

	"github.com/whaleim/whaleim/im-common/zookeeper"
	"github.com/whaleim/whaleim/im-tcp/gateway"
)

var _ gateway.Registry = Registry{}

// Registry registers ephemeral nodes through one ZooKeeper client.
type Registry struct{ C *zookeeper.Client }

// Register implements gateway.Registry; a taken path fails with an error
// matching zookeeper.ErrNodeExists.
func (r Registry) Register(ctx context.Context, path string, data []byte) (gateway.Registration, error) {
	reg, err := r.C.Register(ctx, path, data)
	if err != nil {
		return nil, err
	}
	return reg, nil
}
