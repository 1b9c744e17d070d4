package shard

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"
)

// members is a Members fed by the test.
type members chan []string

func (m members) Watch(context.Context) (<-chan []string, error) { return m, nil }

func next(t *testing.T, c <-chan []int, within time.Duration) ([]int, time.Duration) {
	t.Helper()
	t0 := time.Now()
	select {
	case s := <-c:
		return s, time.Since(t0)
	case <-time.After(within):
		t.Fatalf("no shard set within %v", within)
		return nil, 0
	}
}

// The first set comes at once; a change within the gap waits for it and
// then applies the newest list; a list that changes nothing sends nothing.
func TestBalancer_GapBetweenChanges(t *testing.T) {
	const gap = 300 * time.Millisecond
	m := make(members, 4)
	b := NewBalancer("a", 16, m, gap, slog.New(slog.NewTextHandler(io.Discard, nil)))
	out, err := b.Shards(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	m <- []string{"a"}
	if s, _ := next(t, out, 5*time.Second); len(s) != 16 {
		t.Fatalf("alone: %v", s)
	}
	t0 := time.Now()
	m <- []string{"a", "b"}
	m <- []string{"a", "b", "c"}
	s, _ := next(t, out, 5*time.Second)
	if waited := time.Since(t0); waited < gap*9/10 {
		t.Fatalf("second set after %v, want at least the gap %v", waited, gap)
	}
	if want := Owned("a", []string{"a", "b", "c"}, 16); !slices.Equal(s, want) {
		t.Fatalf("second set %v, want the newest list's %v", s, want)
	}
	m <- []string{"c", "b", "a"}
	select {
	case s := <-out:
		t.Fatalf("an unchanged assignment was sent again: %v", s)
	case <-time.After(2 * gap):
	}
}

// The channel closes when the member stream ends.
func TestBalancer_ClosesWithMembers(t *testing.T) {
	m := make(members)
	ctx, cancel := context.WithCancel(t.Context())
	b := NewBalancer("a", 4, m, 0, slog.New(slog.NewTextHandler(io.Discard, nil)))
	out, err := b.Shards(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case _, ok := <-out:
		if ok {
			t.Fatal("a set after cancel")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("not closed after cancel")
	}
}
