package throttle

import (
	"testing"
	"time"
)

func TestFailures(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	tests := []struct {
		name    string
		fails   int           // failures at t0
		after   time.Duration // then asked at t0+after
		blocked bool
	}{
		{"under the limit", 4, 0, false},
		{"at the limit", 5, 0, true},
		{"still blocked shortly after", 5, 10 * time.Second, true},
		{"one failure leaked away", 5, 13 * time.Second, false},
		{"all leaked away", 20, 5 * time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := New[string](5, time.Minute) // one failure leaks every 12s
			for range tt.fails {
				f.Fail("k", t0)
			}
			if got := f.Blocked("k", t0.Add(tt.after)); got != tt.blocked {
				t.Errorf("Blocked = %v, want %v", got, tt.blocked)
			}
			if f.Blocked("other", t0) {
				t.Error("an unrelated key is blocked")
			}
		})
	}
}

func TestFailReportsBlocked(t *testing.T) {
	f := New[int](2, time.Minute)
	now := time.Unix(1, 0)
	if f.Fail(1, now) {
		t.Fatal("blocked after one failure")
	}
	if !f.Fail(1, now) {
		t.Fatal("not blocked after the second failure")
	}
}

func TestDisabled(t *testing.T) {
	f := New[string](0, time.Minute)
	now := time.Unix(1, 0)
	for range 100 {
		f.Fail("k", now)
	}
	if f.Blocked("k", now) || f.Len() != 0 {
		t.Fatal("a disabled throttle blocked or tracked")
	}
}

func TestBoundedKeys(t *testing.T) {
	f := New[int](3, time.Minute)
	f.maxKeys = 10
	now := time.Unix(1, 0)
	for k := range 100 {
		f.Fail(k, now)
	}
	if f.Len() != 10 {
		t.Fatalf("tracked %d keys, want the bound 10", f.Len())
	}
	later := now.Add(time.Minute) // everything leaked: new keys are tracked again
	f.Fail(1000, later)
	if f.Len() != 1 {
		t.Fatalf("after pruning tracked %d keys, want 1", f.Len())
	}
	f.Prune(later.Add(time.Minute))
	if f.Len() != 0 {
		t.Fatalf("Prune left %d keys", f.Len())
	}
}
