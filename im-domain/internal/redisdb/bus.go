package redisdb

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/whaleim/whaleim/im-domain/internal/cache"
)

// BusChannel is the pub/sub channel of cache invalidations.
const BusChannel = "im:domain:invalidate"

// Bus carries cache invalidations between domain nodes over Redis pub/sub
// (cache.Bus). A message is "topic\nkey". Pub/sub delivers only to
// connected subscribers, so every (re)subscription resets every cache: an
// invalidation sent while this node was away cannot leave a stale entry.
type Bus struct {
	rdb redis.UniversalClient
	log *slog.Logger

	mu     sync.Mutex
	drops  map[string]func(key string)
	resets []func()
}

var _ cache.Bus = (*Bus)(nil)

// NewBus returns a Bus; Run receives.
func (c *Client) NewBus(log *slog.Logger) *Bus {
	return &Bus{rdb: c.rdb, log: log.With("component", "cache-bus"), drops: map[string]func(string){}}
}

// Publish implements cache.Bus.
func (b *Bus) Publish(ctx context.Context, topic, key string) error {
	if err := b.rdb.Publish(ctx, BusChannel, topic+"\n"+key).Err(); err != nil {
		return fmt.Errorf("redis: publish invalidation: %w", err)
	}
	return nil
}

// Handle implements cache.Bus.
func (b *Bus) Handle(topic string, drop func(key string), reset func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.drops[topic] = drop
	b.resets = append(b.resets, reset)
}

// Run receives invalidations until ctx is done. go-redis resubscribes by
// itself after a connection loss and reports it as a new subscription.
func (b *Bus) Run(ctx context.Context) error {
	ps := b.rdb.Subscribe(ctx, BusChannel)
	defer ps.Close()
	ch := ps.ChannelWithSubscriptions()
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-ch:
			if !ok {
				return nil
			}
			b.receive(m)
		}
	}
}

func (b *Bus) receive(m any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch m := m.(type) {
	case *redis.Subscription:
		for _, reset := range b.resets {
			reset()
		}
	case *redis.Message:
		topic, key, ok := strings.Cut(m.Payload, "\n")
		if drop := b.drops[topic]; ok && drop != nil {
			drop(key)
		} else {
			b.log.Warn("unknown invalidation ignored", "payload", m.Payload)
		}
	}
}
