package friend

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-domain/internal/cache"

	"github.com/whaleim/whaleim/im-common/errcode"
)

// edgesStore answers FriendEdges from a map of rows and counts the reads;
// the rest of Store is not used by Relation.
type edgesStore struct {
	Store
	mu    sync.Mutex
	rows  map[[2]string]Friendship
	reads int
}

func (e *edgesStore) FriendEdges(_ context.Context, _ uint32, a string, others []string) (map[string]Friendship, map[string]Friendship, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.reads++
	out, in := map[string]Friendship{}, map[string]Friendship{}
	for _, o := range others {
		if f, ok := e.rows[[2]string{a, o}]; ok {
			out[o] = f
		}
		if f, ok := e.rows[[2]string{o, a}]; ok {
			in[o] = f
		}
	}
	return out, in, nil
}

func (e *edgesStore) set(from, to string, status, black int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rows[[2]string{from, to}] = Friendship{FromID: from, ToID: to, Status: status, Black: black}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newRelationService(st *edgesStore, c *clock) *Service {
	s := NewService(st, nil, nil, nil, nil, time.Second, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.cache = newRelationCache(time.Second, c.now)
	return s
}

func TestRelation(t *testing.T) {
	tests := []struct {
		name                    string
		ab, ba                  [2]int // status, black; zero: no row
		wantFriend, wantBlocked bool
	}{
		{"no rows", [2]int{}, [2]int{}, false, false},
		{"mutual friends", [2]int{1, 1}, [2]int{1, 1}, true, false},
		{"a deleted b", [2]int{2, 1}, [2]int{1, 1}, false, false},
		{"b deleted a", [2]int{1, 1}, [2]int{2, 1}, false, false},
		{"b blocked a", [2]int{1, 1}, [2]int{1, 2}, true, true},
		{"a blocked b only", [2]int{1, 2}, [2]int{1, 1}, true, false},
		{"b blocked a, never friends", [2]int{}, [2]int{0, 2}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &edgesStore{rows: map[[2]string]Friendship{}}
			if tt.ab != [2]int{} {
				st.set("a", "b", tt.ab[0], tt.ab[1])
			}
			if tt.ba != [2]int{} {
				st.set("b", "a", tt.ba[0], tt.ba[1])
			}
			s := newRelationService(st, &clock{t: time.Unix(0, 0)})
			friend, blocked, err := s.Relation(t.Context(), 1, "a", "b")
			if err != nil || friend != tt.wantFriend || blocked != tt.wantBlocked {
				t.Fatalf("Relation = %v, %v, %v; want %v, %v", friend, blocked, err, tt.wantFriend, tt.wantBlocked)
			}
		})
	}
}

func TestRelationCache(t *testing.T) {
	st := &edgesStore{rows: map[[2]string]Friendship{}}
	st.set("a", "b", 1, 1)
	st.set("b", "a", 1, 1)
	c := &clock{t: time.Unix(100, 0)}
	s := newRelationService(st, c)
	ctx := t.Context()
	for range 10 {
		if f, _, _ := s.Relation(ctx, 1, "a", "b"); !f {
			t.Fatal("want friends")
		}
		if f, _, _ := s.Relation(ctx, 1, "b", "a"); !f { // same pair, other direction: cached too
			t.Fatal("want friends")
		}
	}
	if st.reads != 1 {
		t.Fatalf("reads = %d, want 1 (cached)", st.reads)
	}
	// Another app is another key.
	s.Relation(ctx, 2, "a", "b")
	if st.reads != 2 {
		t.Fatalf("reads = %d, want 2", st.reads)
	}
	// A change made through the service invalidates at once.
	st.set("b", "a", 1, 2)
	s.cache.invalidate(1, "b", "a")
	if _, blocked, _ := s.Relation(ctx, 1, "a", "b"); !blocked {
		t.Fatal("invalidation not seen")
	}
	// A change made elsewhere (another node) is seen after the TTL.
	st.set("b", "a", 1, 1)
	if _, blocked, _ := s.Relation(ctx, 1, "a", "b"); !blocked {
		t.Fatal("want the cached answer within the TTL")
	}
	c.t = c.t.Add(time.Second)
	if _, blocked, _ := s.Relation(ctx, 1, "a", "b"); blocked {
		t.Fatal("stale answer after the TTL")
	}
}

func TestRelationCacheRaceKeepsNoStaleAnswer(t *testing.T) {
	c := &clock{t: time.Unix(100, 0)}
	rc := newRelationCache(time.Minute, c.now)
	k := keyOf(1, "a", "b")
	_, _, epoch := rc.get(k) // a reader starts, then a change invalidates
	rc.invalidate(1, "a", "b")
	rc.put(k, pairEntry{ab: edge{status: 1}}, epoch)
	if _, ok, _ := rc.get(k); ok {
		t.Fatal("an answer read before an invalidation was cached")
	}
}

func TestRelationCacheBounded(t *testing.T) {
	c := &clock{t: time.Unix(100, 0)}
	rc := newRelationCache(time.Minute, c.now)
	for i := range maxRelationEntries + 10 {
		_, _, ep := rc.get(keyOf(1, "a", string(rune(i))))
		rc.put(keyOf(1, "a", string(rune(i))), pairEntry{}, ep)
	}
	if rc.Len() > maxRelationEntries {
		t.Fatalf("cache holds %d entries", rc.Len())
	}
}

func TestCheckStatus(t *testing.T) {
	tests := []struct {
		kind   int
		ab, ba bool
		want   int
	}{
		{CheckSingle, true, false, 1}, {CheckSingle, false, true, 0}, {CheckSingle, false, false, 0},
		{CheckBoth, true, true, 1}, {CheckBoth, true, false, 2}, {CheckBoth, false, true, 3}, {CheckBoth, false, false, 4},
	}
	for _, tt := range tests {
		if got := checkStatus(tt.kind, tt.ab, tt.ba); got != tt.want {
			t.Errorf("checkStatus(%d, %v, %v) = %d, want %d", tt.kind, tt.ab, tt.ba, got, tt.want)
		}
	}
}

func TestAddable(t *testing.T) {
	tests := []struct {
		name string
		p    Pair
		want error
	}{
		{"fresh", Pair{}, nil},
		{"deleted before", Pair{AB: Friendship{Status: StatusDeleted}}, nil},
		{"already", Pair{AB: Friendship{Status: StatusNormal}}, errcode.AlreadyFriends},
		{"blocked by target", Pair{BA: Friendship{Black: BlackBlocked}}, errcode.Blocked},
		{"requester blocked", Pair{AB: Friendship{Black: BlackBlocked}}, errcode.BlacklistedByRequester},
	}
	for _, tt := range tests {
		if got := addable(&tt.p); (got == nil) != (tt.want == nil) || (got != nil && got.Error() != tt.want.Error()) {
			t.Errorf("%s: addable = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// A change on one node clears the relation cache of the others through the
// bus, before the TTL.
func TestRelationCacheInvalidatedAcrossNodes(t *testing.T) {
	st := &edgesStore{rows: map[[2]string]Friendship{}}
	st.set("a", "b", 1, 1)
	st.set("b", "a", 1, 1)
	bus := &cache.LocalBus{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	nodeA := NewService(st, nil, nil, nil, bus, time.Hour, log)
	nodeB := NewService(st, nil, nil, nil, bus, time.Hour, log)
	if _, blocked, _ := nodeA.Relation(t.Context(), 1, "a", "b"); blocked {
		t.Fatal("blocked before the change")
	}
	st.set("b", "a", 1, 2) // what node b's blacklist call commits
	nodeB.invalidate(t.Context(), 1, "b", "a")
	if _, blocked, _ := nodeA.Relation(t.Context(), 1, "a", "b"); !blocked {
		t.Fatal("node a kept its cached relation after node b's change")
	}
}

// BenchmarkRelationCached is the per-message friendship/blacklist check
// once the pair is cached.
func BenchmarkRelationCached(b *testing.B) {
	st := &edgesStore{rows: map[[2]string]Friendship{}}
	st.set("a", "b", 1, 1)
	st.set("b", "a", 1, 1)
	s := NewService(st, nil, nil, nil, nil, time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))
	b.ReportAllocs()
	for b.Loop() {
		if f, _, err := s.Relation(b.Context(), 1, "a", "b"); err != nil || !f {
			b.Fatal(f, err)
		}
	}
}
