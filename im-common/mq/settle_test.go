package mq_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/whaleim/whaleim/im-common/mq"
)

func TestDecide(t *testing.T) {
	transient := errors.New("db down")
	tests := []struct {
		name    string
		err     error
		attempt int
		want    mq.Verdict
	}{
		{"success", nil, 1, mq.Ack},
		{"success on last attempt", nil, 10, mq.Ack},
		{"permanent", mq.Permanent(transient), 1, mq.Reject},
		{"wrapped permanent", fmt.Errorf("decode: %w", mq.Permanent(transient)), 1, mq.Reject},
		{"transient", transient, 1, mq.Requeue},
		{"transient before limit", transient, 9, mq.Requeue},
		{"transient at limit", transient, 10, mq.Reject},
		{"transient beyond limit", transient, 12, mq.Reject},
	}
	for _, tt := range tests {
		if got := mq.Decide(tt.err, tt.attempt, 10); got != tt.want {
			t.Errorf("%s: decide = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestBatchOptionsDefaults(t *testing.T) {
	tests := []struct {
		in           mq.BatchOptions
		wantPrefetch int
	}{
		{mq.BatchOptions{}, 200},
		{mq.BatchOptions{MaxBatch: 10}, 20},
		{mq.BatchOptions{MaxBatch: 10, Prefetch: 5}, 10},
		{mq.BatchOptions{MaxBatch: 10, Prefetch: 50}, 50},
		{mq.BatchOptions{MaxBatch: 10, MaxWait: -1}, 20},
	}
	for _, tt := range tests {
		got := tt.in.WithDefaults()
		if got.Prefetch != tt.wantPrefetch {
			t.Errorf("%+v: prefetch %d, want %d", tt.in, got.Prefetch, tt.wantPrefetch)
		}
		if (tt.in.MaxWait < 0) != (got.MaxWait < 0) || got.MaxWait == 0 {
			t.Errorf("%+v: max wait %v", tt.in, got.MaxWait)
		}
	}
}
