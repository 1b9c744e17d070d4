package domain

import (
	"strconv"
	"testing"
)

func TestParticipants(t *testing.T) {
	p := newParticipants()
	tests := []struct {
		name  string
		add   []string
		ask   []string
		known bool
	}{
		{"nothing known", nil, []string{"alice"}, false},
		{"one of two", []string{"alice"}, []string{"alice", "bob"}, false},
		{"both", []string{"bob"}, []string{"alice", "bob"}, true},
		{"bytes, not case", nil, []string{"Alice"}, false},
	}
	for _, tt := range tests {
		if tt.add != nil {
			p.add(1, "p2p:alice:bob", tt.add...)
		}
		if got := p.all(1, "p2p:alice:bob", tt.ask); got != tt.known {
			t.Errorf("%s: all(%v) = %v, want %v", tt.name, tt.ask, got, tt.known)
		}
	}
	if p.all(2, "p2p:alice:bob", []string{"alice"}) || p.all(1, "p2p:alice:carol", []string{"alice"}) {
		t.Error("a participant is known per app and conversation")
	}
}

func TestParticipants_StartsOverWhenFull(t *testing.T) {
	p := newParticipants()
	p.add(1, "c", "first")
	for i := range maxKnown {
		p.set[participant{2, strconv.Itoa(i), "x"}] = struct{}{}
	}
	p.add(1, "c", "late")
	if p.all(1, "c", []string{"first"}) || !p.all(1, "c", []string{"late"}) || len(p.set) != 1 {
		t.Errorf("after the cap: %d entries", len(p.set))
	}
}
