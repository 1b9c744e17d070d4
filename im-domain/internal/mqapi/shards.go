package mqapi

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/whaleim/whaleim/im-common/mq"
)

// Assignment says which uplink shards this node consumes. Shards delivers
// the current set at once and every new set after, until ctx ends (then
// the channel closes). With several domain nodes each node owns a part
// (package shard spreads them over the live nodes); a nil Assignment owns
// every shard.
type Assignment interface {
	Shards(ctx context.Context) (<-chan []int, error)
}

// errReleased refuses a batch collected just as its shard was released:
// the shard's context is already cancelled, so the batch is not acked and
// goes to the shard's next owner.
var errReleased = errors.New("mqapi: shard released")

// shardRun is one owned shard's consumer. Releasing it lets the batch in
// flight finish and be acked, then stops the consumer (the broker requeues
// what was prefetched but not taken); single-active-consumer keeps the
// next owner standing by until then, so no shard is processed by two
// nodes at once and its order holds.
type shardRun struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu        sync.Mutex
	busy      bool
	releasing bool
}

// wrap marks h's batches in flight, so release waits for them.
func (r *shardRun) wrap(h mq.BatchHandler) mq.BatchHandler {
	return func(ctx context.Context, ds []mq.Delivery) error {
		if !r.begin() {
			return errReleased
		}
		defer r.end()
		return h(ctx, ds)
	}
}

func (r *shardRun) begin() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.busy = !r.releasing
	return r.busy
}

// end cancels a releasing consumer once its batch is done: the consumer
// still acks a batch its handler returned nil for, then stops.
func (r *shardRun) end() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.busy = false
	if r.releasing {
		r.cancel()
	}
}

func (r *shardRun) release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.releasing = true
	if !r.busy {
		r.cancel()
	}
}

// follow consumes the shards the assignment gives this node, starting and
// releasing consumers as it changes, until ctx ends or a consumer fails
// for good (its error is returned).
func (h *Handler) follow(ctx context.Context, c Consumer, o Options, in chan<- *part) error {
	sets, err := assigned(ctx, o)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	f := &follower{h: h, c: c, o: o, in: in, runs: map[int]*shardRun{}, last: map[int]chan struct{}{}, errc: make(chan error, 1)}
	defer f.wg.Wait() // after cancel (deferred later, runs first): every consumer stops
	defer cancel()
	for {
		select {
		case set, ok := <-sets:
			if !ok {
				return errAssignmentEnded(ctx)
			}
			f.apply(ctx, set)
		case err := <-f.errc:
			return err
		case <-ctx.Done():
			return nil
		}
	}
}

// errAssignmentEnded is follow's result when the assignment stream closed:
// nil at shutdown, an error otherwise (the node would consume nothing
// more without saying so).
func errAssignmentEnded(ctx context.Context) error {
	if ctx.Err() != nil {
		return nil
	}
	return errors.New("mqapi: the shard assignment ended")
}

// assigned is the assignment's stream of shard sets, or every shard once
// without one.
func assigned(ctx context.Context, o Options) (<-chan []int, error) {
	if o.Assignment != nil {
		return o.Assignment.Shards(ctx)
	}
	all := make(chan []int, 1)
	all <- allShards(o.Shards)
	return all, nil
}

func allShards(n int) []int {
	s := make([]int, n)
	for k := range s {
		s[k] = k
	}
	return s
}

// follower is follow's state: the owned shards' consumers.
type follower struct {
	h    *Handler
	c    Consumer
	o    Options
	in   chan<- *part
	runs map[int]*shardRun
	last map[int]chan struct{} // each shard's latest consumer, closed once it stopped
	errc chan error
	wg   sync.WaitGroup
}

// apply makes the owned shards set: it releases the shards no longer in it
// and starts a consumer for each new one (after that shard's previous
// consumer of this node, if still draining, stopped).
func (f *follower) apply(ctx context.Context, set []int) {
	want := map[int]bool{}
	for _, k := range set {
		if k >= 0 && k < f.o.Shards {
			want[k] = true
		}
	}
	var added, released []int
	for k, r := range f.runs {
		if !want[k] {
			r.release()
			delete(f.runs, k)
			released = append(released, k)
		}
	}
	for k := range want {
		if f.runs[k] == nil {
			f.runs[k] = f.start(ctx, k)
			added = append(added, k)
		}
	}
	f.h.owned.Store(int64(len(f.runs)))
	if len(added)+len(released) > 0 {
		slices.Sort(added)
		slices.Sort(released)
		f.h.log.InfoContext(ctx, "uplink shards assigned", "owned", len(f.runs), "of", f.o.Shards, "added", added, "released", released)
	}
}

// start runs shard k's consumer until it is released or ctx ends.
func (f *follower) start(ctx context.Context, k int) *shardRun {
	rctx, cancel := context.WithCancel(ctx)
	r := &shardRun{cancel: cancel, done: make(chan struct{})}
	prev := f.last[k] // this node's previous consumer of k, maybe still draining
	f.last[k] = r.done
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		defer close(r.done)
		defer cancel()
		if prev != nil {
			select {
			case <-prev:
			case <-rctx.Done():
				return
			}
		}
		err := f.c.ConsumeBatch(rctx, mq.UplinkQueue(k), f.o.Consume, r.wrap(f.h.handIn(f.in)))
		if err != nil && ctx.Err() == nil {
			select {
			case f.errc <- err:
			default:
			}
		}
	}()
	return r
}
