package cache

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Bus carries invalidations between the domain nodes (redisdb.Bus): what
// one node publishes under a topic reaches the drop function every node
// registered for it; reset runs whenever invalidations may have been
// missed (the node (re)subscribed).
type Bus interface {
	Publish(ctx context.Context, topic, key string) error
	Handle(topic string, drop func(key string), reset func())
}

// Shared is a Map whose invalidations reach every node.
type Shared[V any] struct {
	*Map[string, V]
	topic string
	bus   Bus
	log   *slog.Logger
}

// NewShared returns a Shared cache under topic; with a nil bus it
// invalidates on this node only (tests, single-node tools).
func NewShared[V any](topic string, ttl time.Duration, max int, bus Bus, log *slog.Logger) *Shared[V] {
	s := &Shared[V]{Map: New[string, V](ttl, max, time.Now), topic: topic, bus: bus, log: log}
	if bus != nil {
		bus.Handle(topic, s.Drop, s.Clear)
	}
	return s
}

// Invalidate drops key on this node at once and on the others through the
// bus. A failed publish is logged: the other nodes hold the old entry for
// at most the TTL.
func (s *Shared[V]) Invalidate(ctx context.Context, key string) {
	s.Drop(key)
	if s.bus == nil {
		return
	}
	if err := s.bus.Publish(ctx, s.topic, key); err != nil {
		s.log.WarnContext(ctx, "cache invalidation not published; other nodes catch up within the TTL",
			"topic", s.topic, "key", key, "err", err)
	}
}

// LocalBus is a Bus within one process: what is published reaches every
// drop function registered under the topic at once (several services in
// one process, as in tests of cross-node behaviour).
type LocalBus struct {
	mu    sync.Mutex
	drops map[string][]func(string)
}

// Publish implements Bus.
func (b *LocalBus) Publish(_ context.Context, topic, key string) error {
	b.mu.Lock()
	drops := slices.Clone(b.drops[topic])
	b.mu.Unlock()
	for _, drop := range drops {
		drop(key)
	}
	return nil
}

// Handle implements Bus; a LocalBus never misses a message, so reset is
// not needed.
func (b *LocalBus) Handle(topic string, drop func(string), _ func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drops == nil {
		b.drops = map[string][]func(string){}
	}
	b.drops[topic] = append(b.drops[topic], drop)
}
