//go:build e2e

package e2e

import (
	"path"
	"time"

	"github.com/go-zookeeper/zk"
)

// deleteZKTree removes the run's ZooKeeper root and everything below it
// (the gateways' ephemeral nodes are gone once the processes died).
func deleteZKTree(root string) error {
	conn, _, err := zk.Connect([]string{"127.0.0.1:2181"}, 5*time.Second, zk.WithLogInfo(false))
	if err != nil {
		return err
	}
	defer conn.Close()
	return deleteZK(conn, root)
}

func deleteZK(conn *zk.Conn, p string) error {
	kids, _, err := conn.Children(p)
	if err == zk.ErrNoNode {
		return nil
	}
	if err != nil {
		return err
	}
	for _, k := range kids {
		if err := deleteZK(conn, path.Join(p, k)); err != nil {
			return err
		}
	}
	if err := conn.Delete(p, -1); err != nil && err != zk.ErrNoNode {
		return err
	}
	return nil
}
