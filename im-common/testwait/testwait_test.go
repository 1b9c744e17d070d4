package testwait

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestPoll(t *testing.T) {
	errNotYet := errors.New("not yet")
	tests := []struct {
		name    string
		readyAt int32 // the call that first succeeds; 0: never
		timeout time.Duration
		want    error
	}{
		{"first call", 1, time.Second, nil},
		{"after retries", 3, time.Second, nil},
		{"never", 0, 50 * time.Millisecond, errNotYet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			err := Poll(tt.timeout, func() error {
				if n := calls.Add(1); tt.readyAt == 0 || n < tt.readyAt {
					return errNotYet
				}
				return nil
			})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Poll = %v, want %v", err, tt.want)
			}
			if tt.readyAt != 0 && calls.Load() != tt.readyAt {
				t.Fatalf("fn called %d times, want %d", calls.Load(), tt.readyAt)
			}
		})
	}
}

func TestUntilAndNever(t *testing.T) {
	start := time.Now()
	Until(t, time.Second, "100ms to pass", func() bool { return time.Since(start) > 100*time.Millisecond })
	Never(t, 60*time.Millisecond, func() error { return nil })
	Eventually(t, time.Second, func() error { return nil })
}
