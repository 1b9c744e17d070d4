package zkregistry

import (
	"context"
	"errors"
	"testing"
)

func TestDead(t *testing.T) {
	ours := []byte(`{"brokerId":"gw1","tcp":"10.0.0.1:19001","ws":"ws://10.0.0.1:19002/ws"}`)
	live := map[string]bool{"10.0.0.2:19001": true, "10.0.0.3:19002": true}
	dial := func(_ context.Context, a string) error {
		if live[a] {
			return nil
		}
		return errors.New("connection refused")
	}
	tests := []struct {
		name string
		held string
		want bool
	}{
		{"our own addresses: we hold the ports", `{"tcp":"10.0.0.1:19001","ws":"ws://10.0.0.1:19002/ws"}`, true},
		{"our WebSocket address", `{"ws":"ws://10.0.0.1:19002/ws"}`, true},
		{"elsewhere, nothing listens", `{"tcp":"10.0.0.9:19001","ws":"ws://10.0.0.9:19002/ws"}`, true},
		{"elsewhere, TCP still serves", `{"tcp":"10.0.0.2:19001"}`, false},
		{"elsewhere, WebSocket still serves", `{"tcp":"10.0.0.9:19001","ws":"ws://10.0.0.3:19002/ws"}`, false},
		{"no address to probe", `{"brokerId":"gw1"}`, false},
		{"unreadable data", `not json`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := dead(t.Context(), []byte(tt.held), ours, dial); got != tt.want {
				t.Errorf("dead = %v, want %v", got, tt.want)
			}
		})
	}
}
