package redisdb

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/whaleim/whaleim/im-domain/internal/message"
)

// SeqBlocks reserves seq blocks durably (mariadb.DB.ReserveSeqs): the
// returned hi bounds a block (hi-n, hi] nobody else ever gets.
type SeqBlocks interface {
	ReserveSeqs(ctx context.Context, appID uint32, conversation string, n int64) (hi int64, err error)
}

// Sequencer hands out per-conversation seqs with one Redis round trip,
// from blocks reserved in MySQL. Redis holds the current seq and the
// block's upper bound ("lim"); the Lua script increments only below the
// bound. When the bound is reached, or the keys are gone (FLUSHALL, a
// restart without persistence), a new block is reserved in MySQL and the
// current seq is raised to the block's start, which is above every seq
// ever issued: a seq is never reused nor lowered. A lost Redis state
// costs a hole of at most one block.
//
// Not covered: a Redis restored from an old snapshot with both keys
// present and stale (a manual restore must also bump the MySQL marks).
type Sequencer struct {
	rdb    redis.UniversalClient
	blocks SeqBlocks
	block  int64
}

var _ message.Sequencer = (*Sequencer)(nil)

// NewSequencer returns a Sequencer reserving block seqs at a time (<= 0: 100).
func (c *Client) NewSequencer(blocks SeqBlocks, block int64) *Sequencer {
	if block <= 0 {
		block = 100
	}
	return &Sequencer{rdb: c.rdb, blocks: blocks, block: block}
}

// next returns the incremented seq, or 0 when a block must be reserved.
var next = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
local lim = redis.call('GET', KEYS[2])
if not cur or not lim or tonumber(cur) >= tonumber(lim) then return 0 end
return redis.call('INCR', KEYS[1])`)

// extend installs a reserved block (start, lim]: the current seq is raised
// to start and the bound to lim, never lowered.
var extend = redis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '-1')
local lim = tonumber(redis.call('GET', KEYS[2]) or '-1')
if cur < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
if lim < tonumber(ARGV[2]) then redis.call('SET', KEYS[2], ARGV[2]) end
return 1`)

func seqKeys(appID uint32, conversation string) []string {
	p := strconv.FormatUint(uint64(appID), 10) + ":msgSeq:{" + conversation + "}"
	return []string{p, p + ":lim"}
}

// Next implements message.Sequencer.
func (s *Sequencer) Next(ctx context.Context, appID uint32, conversation string) (int64, error) {
	keys := seqKeys(appID, conversation)
	// Every failed round reserves a block, so the loop makes progress;
	// it only repeats while other callers drain the new blocks first.
	for ctx.Err() == nil {
		seq, err := next.Run(ctx, s.rdb, keys).Int64()
		if err != nil {
			return 0, fmt.Errorf("redis: seq: %w", err)
		}
		if seq > 0 {
			return seq, nil
		}
		hi, err := s.blocks.ReserveSeqs(ctx, appID, conversation, s.block)
		if err != nil {
			return 0, err
		}
		if err := extend.Run(ctx, s.rdb, keys, hi-s.block, hi).Err(); err != nil {
			return 0, fmt.Errorf("redis: seq block: %w", err)
		}
	}
	return 0, fmt.Errorf("redis: seq %s: %w", conversation, ctx.Err())
}
