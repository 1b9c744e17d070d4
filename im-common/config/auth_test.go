package config_test

import (
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/config"
)

func TestLoadAuth(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want config.Auth
		bad  bool
	}{
		{"defaults", nil, config.Auth{SignMaxLifetime: 180 * 24 * time.Hour, FailLimit: 20, FailWindow: time.Minute}, false},
		{"set", map[string]string{"IM_USER_SIGN_MAX_LIFETIME": "720h", "IM_AUTH_FAIL_LIMIT": "0", "IM_AUTH_FAIL_WINDOW": "10s"},
			config.Auth{SignMaxLifetime: 720 * time.Hour, FailWindow: 10 * time.Second}, false},
		{"negative", map[string]string{"IM_USER_SIGN_MAX_LIFETIME": "-1h"}, config.Auth{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := config.NewEnv(env(tt.env))
			got := config.LoadAuth(e)
			if tt.bad {
				if e.Err() == nil {
					t.Fatal("no problem reported")
				}
				return
			}
			if err := e.Err(); err != nil || got != tt.want {
				t.Fatalf("LoadAuth = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}
