package routing

import (
	"crypto/sha256"
	"encoding/binary"
	"net/url"
	"slices"
	"strconv"
)

// virtualNodes per gateway: enough that each gateway's share of users stays
// within a few percent of fair (WhaleShark used 2 and skewed badly).
const virtualNodes = 160

type point struct {
	hash uint64
	gw   int // index into ring.gws
}

// ring is an immutable consistent-hash ring.
type ring struct {
	gws    []Gateway
	points []point
}

func newRing(gws []Gateway, vnodes int) *ring {
	r := &ring{gws: slices.Clone(gws), points: make([]point, 0, len(gws)*vnodes)}
	for i, g := range r.gws {
		for v := range vnodes {
			r.points = append(r.points, point{hash: hash64(g.ID + "#" + strconv.Itoa(v)), gw: i})
		}
	}
	slices.SortFunc(r.points, func(a, b point) int {
		switch {
		case a.hash < b.hash:
			return -1
		case a.hash > b.hash:
			return 1
		}
		return 0
	})
	return r
}

// lookup returns the gateway owning key: the first point clockwise.
func (r *ring) lookup(key string) Gateway {
	h := hash64(key)
	i, _ := slices.BinarySearchFunc(r.points, h, func(p point, h uint64) int {
		switch {
		case p.hash < h:
			return -1
		case p.hash > h:
			return 1
		}
		return 0
	})
	if i == len(r.points) {
		i = 0
	}
	return r.gws[r.points[i].gw]
}

// same reports whether the ring was built for exactly gws.
func (r *ring) same(gws []Gateway) bool { return slices.Equal(r.gws, gws) }

func hash64(s string) uint64 {
	sum := sha256.Sum256([]byte(s))
	return binary.BigEndian.Uint64(sum[:8])
}

// hostPort accepts "host:port" or a URL ("ws://host:port/ws").
func hostPort(addr string) string {
	if u, err := url.Parse(addr); err == nil && u.Host != "" {
		return u.Host
	}
	return addr
}
