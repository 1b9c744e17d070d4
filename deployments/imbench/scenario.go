package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"
)

// idleSettle is how long idle connections sit before memory is read.
const idleSettle = 5 * time.Second

// users names n users of this run for one scenario.
func (r *run) users(tag string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s_%s_%d", r.prefix, tag, i)
	}
	return ids
}

// setUp creates and logs in n users of a scenario.
func (r *run) setUp(ctx context.Context, tag string, n, buffer int) ([]*device, error) {
	t0 := time.Now()
	ids := r.users(tag, n)
	if err := r.rest.importUsers(ctx, ids); err != nil {
		return nil, fmt.Errorf("%s: create users: %w", tag, err)
	}
	devs, err := r.connectAll(ctx, ids, buffer)
	if err != nil {
		return nil, fmt.Errorf("%s: connect: %w", tag, err)
	}
	fmt.Fprintf(r.out, "%s: %d users created and logged in in %v\n", tag, n, time.Since(t0).Round(time.Millisecond))
	return devs, nil
}

// pairs runs the 1:1 ramp: device 2i sends to device 2i+1.
func (r *run) pairs(ctx context.Context) (scenarioReport, error) {
	devs, err := r.setUp(ctx, "pairs", 2*r.cfg.pairs, activeEventBuffer)
	if err != nil {
		return scenarioReport{}, err
	}
	defer closeAll(devs)
	convs := make([]*conv, r.cfg.pairs)
	for i := range convs {
		s, rcv := devs[2*i], devs[2*i+1]
		convs[i] = &conv{toID: rcv.user, key: s.user, sender: s, receivers: []*device{rcv}}
		s.setConv(convs[i])
	}
	phs := r.ramp(ctx, "pairs", convs, r.cfg.pairRates)
	return r.scenarioReport("pairs", len(devs), phs, convs), nil
}

// groups runs a group ramp over count groups of size members; member 0
// of each group (its owner) sends, every other member receives.
func (r *run) groups(ctx context.Context, name string, count, size int, rates []float64) (scenarioReport, error) {
	ids := r.users(name, count*size)
	if err := r.rest.importUsers(ctx, ids); err != nil {
		return scenarioReport{}, fmt.Errorf("%s: create users: %w", name, err)
	}
	if size > defaultMaxGroupSize {
		if err := r.rest.allowGroupSize(ctx, size); err != nil {
			return scenarioReport{}, fmt.Errorf("%s: raise the app's maxGroupSize to %d: %w", name, size, err)
		}
	}
	gids := make([]string, count)
	for g := range gids {
		gids[g] = fmt.Sprintf("%s_%s_g%d", r.prefix, name, g)
		m := ids[g*size : (g+1)*size]
		if err := r.rest.createGroup(ctx, gids[g], m[0], m[1:]); err != nil {
			return scenarioReport{}, fmt.Errorf("%s: create group of %d: %w", name, size, err)
		}
	}
	t0 := time.Now()
	devs, err := r.connectAll(ctx, ids, activeEventBuffer)
	if err != nil {
		return scenarioReport{}, fmt.Errorf("%s: connect: %w", name, err)
	}
	defer closeAll(devs)
	fmt.Fprintf(r.out, "%s: %d groups of %d created, %d devices logged in in %v\n", name, count, size, len(devs),
		time.Since(t0).Round(time.Millisecond))
	convs := make([]*conv, count)
	for g := range convs {
		m := devs[g*size : (g+1)*size]
		convs[g] = &conv{groupID: gids[g], key: gids[g], sender: m[0], receivers: m[1:]}
		m[0].setConv(convs[g])
	}
	phs := r.ramp(ctx, name, convs, rates)
	return r.scenarioReport(name, len(devs), phs, convs), nil
}

// idleReport is the memory the gateway holds per idle connection.
type idleReport struct {
	Connections        int     `json:"connections"`
	GatewayRSSBefore   int64   `json:"gatewayRssBeforeBytes"`
	GatewayRSSAfter    int64   `json:"gatewayRssAfterBytes"`
	GatewayBytesPer    float64 `json:"gatewayBytesPerConnection"`
	ImbenchBytesPer    float64 `json:"imbenchBytesPerConnection"`
	ConnectSeconds     float64 `json:"connectSeconds"`
	GatewayProcessSeen bool    `json:"gatewayProcessSeen"`
}

func (r *run) idle(ctx context.Context) (*idleReport, error) {
	n := r.cfg.idleConns
	debug.FreeOSMemory() // earlier scenarios' heap must not make our own delta negative
	before := sample(r.cfg.procs)
	t0 := time.Now()
	devs, err := r.setUp(ctx, "idle", n, idleEventBuffer)
	if err != nil {
		return nil, err
	}
	defer closeAll(devs)
	rep := &idleReport{Connections: n, ConnectSeconds: time.Since(t0).Seconds()}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(idleSettle):
	}
	debug.FreeOSMemory()
	after := sample(r.cfg.procs)
	gw0, gw1 := before["im-tcp"], after["im-tcp"]
	rep.GatewayProcessSeen = gw1.Processes > 0
	rep.GatewayRSSBefore, rep.GatewayRSSAfter = gw0.RSSBytes, gw1.RSSBytes
	if n > 0 {
		rep.GatewayBytesPer = float64(gw1.RSSBytes-gw0.RSSBytes) / float64(n)
		rep.ImbenchBytesPer = float64(after["imbench"].RSSBytes-before["imbench"].RSSBytes) / float64(n)
	}
	fmt.Fprintf(r.out, "idle: %d connections, gateway RSS %.1f -> %.1f MB, %.1f KB per connection\n",
		n, mb(rep.GatewayRSSBefore), mb(rep.GatewayRSSAfter), rep.GatewayBytesPer/1024)
	return rep, nil
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// setConv makes d the sender of c.
func (d *device) setConv(c *conv) {
	d.mu.Lock()
	d.conv = c
	d.mu.Unlock()
}

// sending returns the conversation d sends to, nil for a receiver.
func (d *device) sending() *conv {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.conv
}
