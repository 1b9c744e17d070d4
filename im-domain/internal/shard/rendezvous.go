// Package shard spreads the uplink shards over the live domain nodes:
// every node registers itself (in ZooKeeper, under {IM_ZK_ROOT}/domains),
// and each shard belongs to the node with the highest weight for it
// (rendezvous, or highest-random-weight, hashing). Every node computes the
// same owners from the same member list, without talking to the others;
// when a node joins, only the shards it now wins move to it, and when one
// leaves (its session expired or it shut down), only its shards move, each
// to the node with the next weight.
//
// A Balancer turns the member list into the shards this node owns
// (mqapi.Assignment), and waits a minimum time between two changes, so a
// member that flaps does not move shards back and forth at its pace. The
// shard queues stay single-active-consumer: during a hand-over the new
// owner stands by until the old one released the shard.
package shard

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Owned returns the shards of 0..shards-1 that self wins among nodes, in
// ascending order. self competes whether or not nodes lists it: a node
// that does not see itself registered (yet, or while its session is being
// re-established) keeps consuming what it would own, and single-active-
// consumer keeps that safe if another node believes the same.
func Owned(self string, nodes []string, shards int) []int {
	var out []int
	for k := range shards {
		if Owner(self, nodes, k) == self {
			out = append(out, k)
		}
	}
	return out
}

// Owner returns the node among self and nodes with the highest weight for
// shard k; ties go to the smaller name, so every node agrees.
func Owner(self string, nodes []string, k int) string {
	best, bestW := self, weight(self, k)
	for _, n := range nodes {
		w := weight(n, k)
		if w > bestW || (w == bestW && n < best) {
			best, bestW = n, w
		}
	}
	return best
}

// weight is node's pseudo-random weight for shard k: the first 8 bytes of
// SHA-256 of the two, so names differing in one character still get
// unrelated weights (the cost is nothing next to a rebalance).
func weight(node string, k int) uint64 {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d", node, k))
	return binary.BigEndian.Uint64(sum[:8])
}
