// Package zkregistry adapts the shared im-common/zookeeper client to the
// gateway's Registry port.
package zkregistry

import (
	"context"
	"encoding/json"
	"net"
	"net/url"
	"time"

	"github.com/whaleim/whaleim/im-common/zookeeper"
	"github.com/whaleim/whaleim/im-tcp/gateway"
)

var _ gateway.Registry = Registry{}

// Registry registers ephemeral nodes through one ZooKeeper client.
type Registry struct{ C *zookeeper.Client }

// Register implements gateway.Registry. A node held by another session is
// taken over when the process that registered it is provably gone (see
// dead); otherwise Register fails with an error matching
// zookeeper.ErrNodeExists.
func (r Registry) Register(ctx context.Context, path string, data []byte) (gateway.Registration, error) {
	reg, err := r.C.Register(ctx, path, data, zookeeper.TakeOver(func(ctx context.Context, held []byte) bool {
		return dead(ctx, held, data, dialer)
	}))
	if err != nil {
		return nil, err
	}
	return reg, nil
}

// probeTimeout bounds the dial that tests whether a holder still serves.
const probeTimeout = time.Second

func dialer(ctx context.Context, addr string) error {
	d := net.Dialer{Timeout: probeTimeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return c.Close()
}

// dead reports whether the gateway that registered held is gone. Node data
// it cannot read is never declared dead. A holder advertising one of our
// own addresses is gone: we listen there now, which its listener would
// prevent. Otherwise it is gone when none of its advertised addresses
// accepts a connection (kill -9 closes the listeners at once). A live
// gateway with the same brokerId is never taken over.
func dead(ctx context.Context, held, ours []byte, dial func(context.Context, string) error) bool {
	var h, o gateway.Node
	if json.Unmarshal(held, &h) != nil || json.Unmarshal(ours, &o) != nil {
		return false
	}
	addrs := []string{h.TCP, wsHost(h.WS)}
	for _, a := range addrs {
		if a != "" && (a == o.TCP || a == wsHost(o.WS)) {
			return true
		}
	}
	probed := false
	for _, a := range addrs {
		if a == "" {
			continue
		}
		probed = true
		if dial(ctx, a) == nil {
			return false
		}
	}
	return probed
}

// wsHost returns the host:port of a ws:// URL ("" when there is none).
func wsHost(u string) string {
	if u == "" {
		return ""
	}
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Host
}
