package user

import (
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/cache"
)

// Two nodes share one store: reads are cached; a change on one node is
// seen by the next read on both, through the bus.
func TestOne_CachedAndInvalidatedAcrossNodes(t *testing.T) {
	store := &memStore{users: map[string]User{"alice": {ID: "alice", FriendAllowType: AllowAny, Type: 1}}}
	bus := &cache.LocalBus{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := NewService(store, nopPresence{}, nopNotifier{}, &callbacks{}, bus, log)
	b := NewService(store, nopPresence{}, nopNotifier{}, &callbacks{}, bus, log)
	for range 3 {
		if _, err := a.One(t.Context(), 1, "alice"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.One(t.Context(), 1, "zed"); !errors.Is(err, errcode.UserNotFound) {
			t.Fatalf("unknown user: %v", err)
		}
	}
	if store.reads != 2 {
		t.Fatalf("%d store reads for 6 lookups of 2 users; want 2", store.reads)
	}
	forbidden := 1
	if _, err := b.Modify(t.Context(), 1, "alice", Patch{Forbidden: &forbidden}, nil); err != nil {
		t.Fatal(err)
	}
	if u, err := a.One(t.Context(), 1, "alice"); err != nil || u.Forbidden != 1 {
		t.Fatalf("node a after node b's change: %+v, %v", u, err)
	}
}

// BenchmarkOneCached is the per-message sender/receiver check once the
// user is cached: no store read.
func BenchmarkOneCached(b *testing.B) {
	store := &memStore{users: map[string]User{"alice": {ID: "alice", FriendAllowType: AllowAny, Type: 1}}}
	s := NewService(store, nopPresence{}, nopNotifier{}, &callbacks{}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.One(b.Context(), 1, "alice"); err != nil {
			b.Fatal(err)
		}
	}
	if store.reads != 1 {
		b.Fatalf("%d store reads", store.reads)
	}
}
