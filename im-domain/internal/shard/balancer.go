package shard

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// Members streams the names of the live domain nodes: the current list at
// once, then each new list after a change, until ctx ends (then the
// channel closes).
type Members interface {
	Watch(ctx context.Context) (<-chan []string, error)
}

// Balancer tells this node which shards it owns (an mqapi.Assignment).
type Balancer struct {
	self    string
	shards  int
	members Members
	gap     time.Duration
	log     *slog.Logger
}

// NewBalancer returns the Balancer of node self over shards shards.
// minGap is the least time between two changes of the owned set: the
// first set is given at once, a later change waits until minGap has
// passed since the previous one and then applies the newest member list.
func NewBalancer(self string, shards int, members Members, minGap time.Duration, log *slog.Logger) *Balancer {
	return &Balancer{self: self, shards: shards, members: members, gap: minGap, log: log.With("component", "shard")}
}

// Shards delivers the owned shards now and after every change, until ctx
// ends. The channel holds only the newest set.
func (b *Balancer) Shards(ctx context.Context) (<-chan []int, error) {
	in, err := b.members.Watch(ctx)
	if err != nil {
		return nil, fmt.Errorf("shard: watch members: %w", err)
	}
	out := make(chan []int, 1)
	go b.run(ctx, in, out)
	return out, nil
}

// run follows the member lists, holding a change back until minGap has
// passed since the previous one.
func (b *Balancer) run(ctx context.Context, in <-chan []string, out chan []int) {
	defer close(out)
	var (
		cur, pending []int
		nodes        []string
		sent         bool
		last         time.Time
		timer        = time.NewTimer(0)
	)
	<-timer.C
	defer timer.Stop()
	for {
		select {
		case list, ok := <-in:
			if !ok {
				return
			}
			nodes = list
			want := Owned(b.self, list, b.shards)
			if sent && slices.Equal(want, cur) {
				pending = nil
				continue
			}
			pending = want
		case <-timer.C:
		case <-ctx.Done():
			return
		}
		if pending == nil {
			continue
		}
		if wait := b.gap - time.Since(last); sent && wait > 0 {
			timer.Reset(wait)
			continue
		}
		b.log.InfoContext(ctx, "uplink shards rebalanced", "nodes", nodes, "owned", len(pending), "of", b.shards)
		offer(out, pending)
		cur, pending, sent, last = pending, nil, true, time.Now()
	}
}

// offer replaces whatever set is still unread in out with s; out has
// capacity 1 and one sender, so it never blocks.
func offer(out chan []int, s []int) {
	select {
	case <-out:
	default:
	}
	out <- s
}
