package backoff

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
			d := Delay(tt.attempt, lo, hi)
			if d < tt.min || d > tt.max {
				t.Fatalf("Delay(%d) = %v, want in [%v, %v]", tt.attempt, d, tt.min, tt.max)
			}
		}
	}
}

func TestBackoffJitters(t *testing.T) {
	seen := map[time.Duration]bool{}
	for range 50 {
		seen[Delay(4, 100*time.Millisecond, 5*time.Second)] = true
	}
	if len(seen) < 10 {
		t.Fatalf("only %d distinct pauses in 50 draws: no jitter", len(seen))
	}
}

func TestBackoffDegenerateBounds(t *testing.T) {
	if d := Delay(3, 0, 0); d <= 0 || d > time.Millisecond {
		t.Fatalf("Delay with zero bounds = %v, want (0, 1ms]", d)
	}
	if d := Delay(2, time.Second, 10*time.Millisecond); d < 500*time.Millisecond || d > time.Second {
		t.Fatalf("Delay with hi < lo = %v, want within [lo/2, lo]", d)
	}
}

func TestSleepStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := Sleep(ctx, time.Hour); err != context.Canceled {
		t.Fatalf("Sleep = %v, want context.Canceled", err)
	}
	if err := Sleep(t.Context(), time.Millisecond); err != nil {
		t.Fatalf("Sleep = %v", err)
	}
}
