package mqapi

import (
	"context"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/whaleim/whaleim/im-common/mq"
)

// Options tunes Run. Zero fields take the defaults below.
type Options struct {
	// Shards is the number of uplink shard queues (at least 1).
	Shards int
	// Consume is each shard consumer's batching: it takes what its shard
	// has, up to MaxBatch deliveries, waiting at most MaxWait for more once
	// one arrived; the broker sends up to Prefetch ahead.
	Consume mq.BatchOptions
	// Cycles is how many cycles may run at once (different shards' batches;
	// a shard has one batch in flight, so order holds). More overlap the
	// waits on Redis, MySQL and the broker; fewer fill each cycle more.
	// Measured with imbench (64 shards, 1:1 at 4,000/s, 200-member group at
	// 250/s): 4 used the least CPU per message but saturated at both; 16
	// sustained both with the lowest latency, at the CPU of 64.
	Cycles int
	// MaxCycle bounds the uplinks of one cycle.
	MaxCycle int
	// Assignment picks the shards this node consumes; nil: all of them.
	Assignment Assignment
}

// Defaults of Options.
const (
	DefaultMaxBatch = 256
	DefaultMaxWait  = 2 * time.Millisecond
	DefaultCycles   = 16
	DefaultMaxCycle = 4096
)

func (o Options) withDefaults() Options {
	o.Shards = max(o.Shards, 1)
	if o.Consume.MaxBatch <= 0 {
		o.Consume.MaxBatch = DefaultMaxBatch
	}
	if o.Consume.MaxWait <= 0 {
		o.Consume.MaxWait = DefaultMaxWait
	}
	if o.Cycles <= 0 {
		o.Cycles = DefaultCycles
	}
	if o.MaxCycle <= 0 {
		o.MaxCycle = DefaultMaxCycle
	}
	return o
}

// part is one shard's batch on its way through a cycle: its uplinks as
// additions to a message.Batch, in queue order, and where the outcome goes.
type part struct {
	adds       []func(Batch)
	deliveries int
	attempt    int
	done       chan error
}

func (p *part) addTo(b Batch) {
	for _, add := range p.adds {
		add(b)
	}
}

// Run consumes the uplink shard queues this node owns (Options.Assignment),
// each with its own consumer, until ctx is done. The consumers decode their batches concurrently and hand
// them to the cycle loops: a cycle processes everything handed in since the
// previous one as ONE message.Batch (one Redis pipeline per stage, one
// store publish, one push batch per gateway), so the work per cycle does
// not grow with the shard count and batches fill by themselves under load
// (while a cycle runs, the next one accumulates). Order holds: a
// conversation lives in one shard, and a shard has one batch in flight
// (its consumer waits for the cycle's outcome before acking and taking the
// next).
func (h *Handler) Run(ctx context.Context, c Consumer, o Options) error {
	o = o.withDefaults()
	in := make(chan *part, o.Shards) // one batch in flight per shard: a hand-in never blocks
	g, gctx := errgroup.WithContext(ctx)
	for range o.Cycles {
		g.Go(func() error { h.cycles(gctx, in, o.MaxCycle); return nil })
	}
	g.Go(func() error { return h.follow(gctx, c, o, in) })
	return g.Wait()
}

// handIn returns a shard's batch handler: it decodes the batch, hands it to
// the cycle loop and returns the outcome of the cycle that processed it.
func (h *Handler) handIn(in chan<- *part) mq.BatchHandler {
	return func(ctx context.Context, ds []mq.Delivery) error {
		adds, err := h.parse(ctx, ds)
		if err != nil || len(adds) == 0 {
			return err
		}
		p := &part{adds: adds, deliveries: len(ds), attempt: ds[0].Attempt, done: make(chan error, 1)}
		select {
		case in <- p:
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case err := <-p.done:
			return err
		case <-ctx.Done():
			return ctx.Err() // not acked: redelivered, and dedup answers what was done
		}
	}
}

// cycles processes the parts handed in, as many as are waiting (up to
// maxUplinks) per cycle, until ctx is done.
func (h *Handler) cycles(ctx context.Context, in <-chan *part, maxUplinks int) {
	for {
		select {
		case p := <-in:
			h.cycle(ctx, gather(p, in, maxUplinks))
		case <-ctx.Done():
			return
		}
	}
}

// gather adds to first the parts already waiting, up to maxUplinks uplinks.
func gather(first *part, in <-chan *part, maxUplinks int) []*part {
	parts, n := []*part{first}, len(first.adds)
	for n < maxUplinks {
		select {
		case p := <-in:
			parts, n = append(parts, p), n+len(p.adds)
		default:
			return parts
		}
	}
	return parts
}

// cycle processes parts as one message.Batch. When it fails, each part is
// processed again on its own, so a part that keeps failing is requeued and
// dead-lettered alone, not with the shards it happened to share a cycle
// with (every step is idempotent: the work done is answered, not repeated).
func (h *Handler) cycle(ctx context.Context, parts []*part) {
	if len(parts) == 1 {
		parts[0].done <- h.runAlone(ctx, parts[0])
		return
	}
	b := h.newBatch()
	for _, p := range parts {
		p.addTo(b)
	}
	err := b.Run(ctx)
	if err == nil {
		for _, p := range parts {
			p.done <- nil
		}
		return
	}
	h.log.WarnContext(ctx, "uplink cycle failed, shards retried one by one", "shards", len(parts), "err", err)
	for _, p := range parts {
		p.done <- h.runAlone(ctx, p)
	}
}
