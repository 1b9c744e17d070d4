package main

import (
	"testing"
	"time"
)

func TestStreamVerdicts(t *testing.T) {
	tests := []struct {
		name string
		seqs []int64
		want []verdict
	}{
		{"in order with holes", []int64{1, 2, 5, 9}, []verdict{inOrder, inOrder, inOrder, inOrder}},
		{"duplicate", []int64{1, 2, 2}, []verdict{inOrder, inOrder, duplicate}},
		{"late", []int64{1, 3, 2}, []verdict{inOrder, inOrder, outOfOrder}},
		{"late then its duplicate", []int64{3, 2, 2}, []verdict{inOrder, outOfOrder, duplicate}},
		{"bad seq", []int64{-1, maxSeq}, []verdict{badSeq, badSeq}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s stream
			for i, seq := range tc.seqs {
				if got := s.deliver(seq); got != tc.want[i] {
					t.Fatalf("seq %d (#%d): verdict %d, want %d", seq, i, got, tc.want[i])
				}
			}
		})
	}
}

func TestBitsetMissing(t *testing.T) {
	tests := []struct {
		name       string
		acked, got []int64
		want       int
	}{
		{"all delivered", []int64{1, 2, 3}, []int64{1, 2, 3}, 0},
		{"one lost", []int64{1, 2, 3}, []int64{1, 3}, 1},
		{"nothing delivered", []int64{64, 65, 200}, nil, 3},
		{"extra deliveries do not offset", []int64{1}, []int64{2, 3}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var a, g bitset
			for _, s := range tc.acked {
				a.add(s)
			}
			for _, s := range tc.got {
				g.add(s)
			}
			if n := a.missingFrom(g); n != tc.want {
				t.Fatalf("missing %d, want %d", n, tc.want)
			}
			if a.count() != len(tc.acked) {
				t.Fatalf("count %d, want %d", a.count(), len(tc.acked))
			}
		})
	}
}

func TestLostAcrossConversations(t *testing.T) {
	rcv1 := &device{streams: map[string]*stream{"alice": {}}}
	rcv2 := &device{streams: map[string]*stream{}}
	c := &conv{key: "alice", receivers: []*device{rcv1, rcv2}}
	for _, s := range []int64{1, 2, 3} {
		c.acked.add(s)
	}
	rcv1.streams["alice"].deliver(1)
	rcv1.streams["alice"].deliver(3)
	if n := lost([]*conv{c}); n != 1+3 {
		t.Fatalf("lost %d, want 4 (one for the first receiver, three for the second)", n)
	}
}

func TestLatencySummary(t *testing.T) {
	l := newLatency()
	for i := range 1000 {
		l.record(i, time.Duration(i+1)*time.Millisecond)
	}
	s := l.summary()
	if s.Count != 1000 || s.P50 < 495 || s.P50 > 505 || s.Max < 999 || s.Max > 1001 {
		t.Fatalf("summary %+v", s)
	}
}

func TestBodyRoundTrip(t *testing.T) {
	r := newRun(config{bodySize: 64}, nil)
	ph := r.newPhase("pairs", 100, 1)
	b := r.body(ph, 1234567890123)
	if len(b) != 64 {
		t.Fatalf("body %d bytes, want 64", len(b))
	}
	got, at, ok := r.parseBody(b)
	if !ok || got != ph || at != 1234567890123 {
		t.Fatalf("parse %q = %v %d %v", b, got, at, ok)
	}
	for _, bad := range []string{"hello", "7:123:", "x:1:", "0:y:"} {
		if _, _, ok := r.parseBody(bad); ok {
			t.Fatalf("parsed foreign body %q", bad)
		}
	}
}
