package redisdb

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Current returns the last seq handed out in each conversation, read from
// the Sequencer's Redis state in one pipelined round trip. A conversation
// whose state Redis does not hold (no message yet, or Redis lost it) is
// absent: the caller falls back to the durable high-water mark.
func (s *Sequencer) Current(ctx context.Context, appID uint32, conversations []string) (map[string]int64, error) {
	cmds := make([]*redis.StringCmd, len(conversations))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, c := range conversations {
			cmds[i] = p.Get(ctx, seqKeys(appID, c)[0])
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redis: current seqs: %w", err)
	}
	out := make(map[string]int64, len(conversations))
	for i, cmd := range cmds {
		seq, err := cmd.Int64()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("redis: current seq %s: %w", conversations[i], err)
		}
		out[conversations[i]] = seq
	}
	return out, nil
}
