package rabbit

import (
	"context"
	"testing"
	"time"
)

func TestBackoffStaysInJitterWindow(t *testing.T) {
	const lo, hi = 100 * time.Millisecond, 5 * time.Second
	tests := []struct {
		attempt  int
		min, max time.Duration
	}{
		{0, 50 * time.Millisecond, 100 * time.Millisecond},
		{1, 100 * time.Millisecond, 200 * time.Millisecond},
		{3, 400 * time.Millisecond, 800 * time.Millisecond},
		{6, 2500 * time.Millisecond, 5 * time.Second}, // 6.4s is capped at hi
		{1000, 2500 * time.Millisecond, 5 * time.Second},
	}
	for _, tt := range tests {
		for range 200 {
			d := backoff(tt.attempt, lo, hi)
			if d < tt.min || d > tt.max {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", tt.attempt, d, tt.min, tt.max)
			}
		}
	}
}

func TestBackoffJitters(t *testing.T) {
	seen := map[time.Duration]bool{}
	for range 50 {
		seen[backoff(4, 100*time.Millisecond, 5*time.Second)] = true
	}
	if len(seen) < 10 {
		t.Fatalf("only %d distinct pauses in 50 draws: no jitter", len(seen))
	}
}

func TestBackoffDegenerateBounds(t *testing.T) {
	if d := backoff(3, 0, 0); d <= 0 || d > time.Millisecond {
		t.Fatalf("backoff with zero bounds = %v, want (0, 1ms]", d)
	}
	if d := backoff(2, time.Second, 10*time.Millisecond); d < 500*time.Millisecond || d > time.Second {
		t.Fatalf("backoff with hi < lo = %v, want within [lo/2, lo]", d)
	}
}

func TestSleepStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := sleep(ctx, time.Hour); err != context.Canceled {
		t.Fatalf("sleep = %v, want context.Canceled", err)
	}
	if err := sleep(t.Context(), time.Millisecond); err != nil {
		t.Fatalf("sleep = %v", err)
	}
}
