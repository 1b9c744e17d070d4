package shard

import (
	"fmt"
	"slices"
	"testing"
)

// owners maps every shard to its owner as each node computes it, and fails
// when two nodes disagree or a shard has no owner.
func owners(t *testing.T, nodes []string, shards int) []string {
	t.Helper()
	out := make([]string, shards)
	for _, self := range nodes {
		for _, k := range Owned(self, nodes, shards) {
			if out[k] != "" {
				t.Fatalf("shard %d owned by %s and %s", k, out[k], self)
			}
			out[k] = self
		}
	}
	for k, o := range out {
		if o == "" {
			t.Fatalf("shard %d has no owner among %v", k, nodes)
		}
	}
	return out
}

func TestOwned_EveryShardOnceAndSpread(t *testing.T) {
	tests := []struct {
		nodes    []string
		shards   int
		min, max int // shards per node
	}{
		{[]string{"a"}, 64, 64, 64},
		{[]string{"e2e-domain-1", "e2e-domain-2"}, 64, 20, 44},
		{[]string{"n1", "n2", "n3"}, 64, 10, 34},
		{[]string{"host-1a2b3c4d", "host-9f8e7d6c", "other-00000000", "x"}, 256, 40, 90},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.nodes), func(t *testing.T) {
			per := map[string]int{}
			for _, o := range owners(t, tt.nodes, tt.shards) {
				per[o]++
			}
			for _, n := range tt.nodes {
				if per[n] < tt.min || per[n] > tt.max {
					t.Errorf("%s owns %d of %d, want %d..%d", n, per[n], tt.shards, tt.min, tt.max)
				}
			}
		})
	}
}

// A node joining takes shards only from the others, nothing moves between
// them; a node leaving gives away only its own.
func TestOwned_OnlyTheChangedNodesShardsMove(t *testing.T) {
	before := owners(t, []string{"a", "b", "c"}, 128)
	joined := owners(t, []string{"a", "b", "c", "d"}, 128)
	left := owners(t, []string{"a", "c"}, 128)
	moved := 0
	for k := range before {
		if joined[k] != before[k] {
			moved++
			if joined[k] != "d" {
				t.Errorf("join: shard %d moved %s -> %s", k, before[k], joined[k])
			}
		}
		if left[k] != before[k] && before[k] != "b" {
			t.Errorf("leave: shard %d moved %s -> %s", k, before[k], left[k])
		}
	}
	if moved == 0 {
		t.Error("the new node got no shard")
	}
}

// A node that does not see itself in the list still competes.
func TestOwned_SelfCompetesWhenUnlisted(t *testing.T) {
	got := Owned("b", []string{"a"}, 64)
	want := Owned("b", []string{"a", "b"}, 64)
	if !slices.Equal(got, want) || len(got) == 0 {
		t.Fatalf("unlisted self owns %v, listed %v", got, want)
	}
	if all := Owned("a", nil, 8); !slices.Equal(all, []int{0, 1, 2, 3, 4, 5, 6, 7}) {
		t.Fatalf("alone owns %v", all)
	}
}
