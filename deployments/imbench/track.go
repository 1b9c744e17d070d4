package main

import (
	"math/bits"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// maxSeq bounds the seqs a bitset accepts (8 MB of bits): a conversation
// of a benchmark run never gets near it, and a corrupt seq must not make
// the tool allocate without bound.
const maxSeq = 1 << 26

// bitset is a growable set of sequence numbers.
type bitset []uint64

// add sets seq and reports whether it was already set; ok is false for a
// seq out of range.
func (b *bitset) add(seq int64) (was, ok bool) {
	if seq < 0 || seq >= maxSeq {
		return false, false
	}
	w := int(seq / 64)
	for len(*b) <= w {
		*b = append(*b, 0)
	}
	m := uint64(1) << (seq % 64)
	was = (*b)[w]&m != 0
	(*b)[w] |= m
	return was, true
}

// count returns how many seqs are set.
func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// missingFrom counts the seqs of b that other lacks.
func (b bitset) missingFrom(other bitset) int {
	n := 0
	for i, w := range b {
		if i < len(other) {
			w &^= other[i]
		}
		n += bits.OnesCount64(w)
	}
	return n
}

// verdict classifies one delivery on a stream.
type verdict int

const (
	inOrder verdict = iota
	duplicate
	outOfOrder
	badSeq
)

// stream is what one receiving device got in one conversation.
type stream struct {
	got  bitset
	last int64
}

// deliver records seq: a seq seen before is a duplicate, one below the
// highest seen so far is out of order (seqs may have holes, never go back).
func (s *stream) deliver(seq int64) verdict {
	was, ok := s.got.add(seq)
	switch {
	case !ok:
		return badSeq
	case was:
		return duplicate
	case seq < s.last:
		return outOfOrder
	}
	s.last = seq
	return inOrder
}

// latencyShards spreads recording over a few locks: hdrhistogram is not
// safe for concurrent use and thousands of devices record at once.
const latencyShards = 4

// latency is a concurrent HDR histogram of microseconds, 1 µs to 5 min.
type latency struct {
	shards [latencyShards]struct {
		mu sync.Mutex
		h  *hdrhistogram.Histogram
	}
}

func newLatency() *latency {
	l := &latency{}
	for i := range l.shards {
		l.shards[i].h = hdrhistogram.New(1, int64(5*time.Minute/time.Microsecond), 3)
	}
	return l
}

// record adds d; shard is any number that spreads callers (a device index).
func (l *latency) record(shard int, d time.Duration) {
	s := &l.shards[shard%latencyShards]
	us := max(d.Microseconds(), 1)
	s.mu.Lock()
	_ = s.h.RecordValue(min(us, s.h.HighestTrackableValue()))
	s.mu.Unlock()
}

// summary is a latency distribution in milliseconds.
type summary struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50Ms"`
	P99   float64 `json:"p99Ms"`
	P999  float64 `json:"p999Ms"`
	Max   float64 `json:"maxMs"`
}

func (l *latency) summary() summary {
	m := hdrhistogram.New(1, int64(5*time.Minute/time.Microsecond), 3)
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		m.Merge(s.h)
		s.mu.Unlock()
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return summary{Count: m.TotalCount(), P50: ms(m.ValueAtQuantile(50)), P99: ms(m.ValueAtQuantile(99)),
		P999: ms(m.ValueAtQuantile(99.9)), Max: ms(m.Max())}
}
