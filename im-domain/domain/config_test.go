package domain

import (
	"strings"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
		secret  string
	}{
		{"secret required outside dev", nil, "IM_APP_SECRET", ""},
		{"dev secret", map[string]string{"IM_DEV": "true"}, "", DevSecret},
		{"short secret", map[string]string{"IM_APP_SECRET": "short"}, "at least 16", ""},
		{"explicit", map[string]string{"IM_APP_SECRET": "a-long-enough-secret"}, "", "a-long-enough-secret"},
		{"bad addr", map[string]string{"IM_DEV": "true", "IM_HTTP_ADDR": "nope"}, "IM_HTTP_ADDR", ""},
		{"no uplink cycle", map[string]string{"IM_DEV": "true", "IM_UPLINK_CYCLES": "0"}, "IM_UPLINK_CYCLES", ""},
		{"bad node id", map[string]string{"IM_DEV": "true", "IM_NODE_ID": "a/b"}, "IM_NODE_ID", ""},
		{"long node id", map[string]string{"IM_DEV": "true", "IM_NODE_ID": strings.Repeat("n", 65)}, "IM_NODE_ID", ""},
		{"negative rebalance gap", map[string]string{"IM_DEV": "true", "IM_SHARD_REBALANCE_GAP": "-1s"}, "IM_SHARD_REBALANCE_GAP", ""},
		{"no consume wait", map[string]string{"IM_DEV": "true", "IM_UPLINK_CONSUME_WAIT": "0s"}, "IM_UPLINK_CONSUME_WAIT", ""},
		{"no webhook attempt", map[string]string{"IM_DEV": "true", "IM_WEBHOOK_ATTEMPTS": "0"}, "IM_WEBHOOK_ATTEMPTS", ""},
		{"no webhook worker", map[string]string{"IM_DEV": "true", "IM_WEBHOOK_WORKERS": "0"}, "IM_WEBHOOK_WORKERS", ""},
		{"webhook backoff above its max", map[string]string{"IM_DEV": "true", "IM_WEBHOOK_BACKOFF": "2m", "IM_WEBHOOK_MAX_BACKOFF": "1m"}, "IM_WEBHOOK_MAX_BACKOFF", ""},
		{"webhook backoff not a duration", map[string]string{"IM_DEV": "true", "IM_WEBHOOK_BACKOFF": "soon"}, "IM_WEBHOOK_BACKOFF", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || cfg.AppSecret != tt.secret || cfg.AppID != 10000 || cfg.AppAdmins[0] != "admin" || cfg.HTTPAddr != ":18000" ||
				!validNodeID(cfg.NodeID) || cfg.RebalanceGap != 2*time.Second {
				t.Fatalf("cfg = %+v, err = %v", cfg, err)
			}
		})
	}
}
