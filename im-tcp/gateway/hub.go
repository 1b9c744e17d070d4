package gateway

import (
	"sync"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
)

// hub indexes this node's connections: all of them (for limits, the
// sweeper and shutdown) and the logged-in ones by device (for pushes and
// kicks). One mutex is enough at 10^5 connections; shard it by device hash
// if a benchmark ever shows contention.
type hub struct {
	mu      sync.Mutex
	all     map[*conn]struct{}
	devices map[device.ID]*conn
	perIP   map[string]int
}

func newHub() *hub {
	return &hub{all: make(map[*conn]struct{}), devices: make(map[device.ID]*conn), perIP: make(map[string]int)}
}

// add admits c unless a connection limit is reached (perIP 0 = unlimited).
func (h *hub) add(c *conn, maxConns, perIP int) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.all) >= maxConns {
		return errcode.ConnectionLimit
	}
	if perIP > 0 && h.perIP[c.ip] >= perIP {
		return errcode.ConnectionLimit.With("per address")
	}
	h.all[c] = struct{}{}
	h.perIP[c.ip]++
	return nil
}

// remove forgets c; it is idempotent.
func (h *hub) remove(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.all[c]; !ok {
		return
	}
	delete(h.all, c)
	if h.perIP[c.ip]--; h.perIP[c.ip] <= 0 {
		delete(h.perIP, c.ip)
	}
	if h.devices[c.id] == c {
		delete(h.devices, c.id)
	}
}

// bind makes c the connection of its device and returns the one it
// replaces, if any.
func (h *hub) bind(c *conn) *conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	old := h.devices[c.id]
	h.devices[c.id] = c
	if old == c {
		return nil
	}
	return old
}

// lookup returns the logged-in connection of id, or nil.
func (h *hub) lookup(id device.ID) *conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.devices[id]
}

// lookupAll appends to dst the logged-in connection of each device of to,
// or nil, under one lock; a device without an app id is of appID.
func (h *hub) lookupAll(appID uint32, to []device.ID, dst []*conn) []*conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range to {
		if id.AppID == 0 {
			id.AppID = appID
		}
		dst = append(dst, h.devices[id])
	}
	return dst
}

// snapshot returns every connection.
func (h *hub) snapshot() []*conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*conn, 0, len(h.all))
	for c := range h.all {
		out = append(out, c)
	}
	return out
}

// len returns the number of connections.
func (h *hub) len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.all)
}
