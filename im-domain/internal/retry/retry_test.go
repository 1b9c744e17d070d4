package retry

import (
	"context"
	"testing"
	"time"
)

func TestPolicyDefaultsAndDue(t *testing.T) {
	p := Policy{}.WithDefaults()
	if p.Workers != DefaultWorkers || p.MaxAttempts != DefaultMaxAttempts || p.BaseBackoff != time.Second || p.MaxBackoff != 5*time.Minute {
		t.Errorf("defaults %+v", p)
	}
	p = Policy{BaseBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}.WithDefaults()
	now := time.UnixMilli(1_000_000)
	for attempt, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 10: time.Second} {
		got := time.Duration(p.Due(attempt, now)-now.UnixMilli()) * time.Millisecond
		if got < want/2 || got > want {
			t.Errorf("attempt %d due after %v, want in [%v, %v]", attempt, got, want/2, want)
		}
	}
}

func TestWaitDue(t *testing.T) {
	now := time.Now()
	if err := WaitDue(t.Context(), 0, now); err != nil {
		t.Error(err)
	}
	if err := WaitDue(t.Context(), now.Add(-time.Hour).UnixMilli(), now); err != nil {
		t.Error(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := WaitDue(ctx, now.Add(time.Hour).UnixMilli(), now); err == nil {
		t.Error("a stop while waiting: no error")
	}
}
