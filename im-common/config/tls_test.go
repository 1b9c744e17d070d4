package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-common/config"
	"github.com/whaleim/whaleim/im-common/tlstest"
)

func TestLoadTLS(t *testing.T) {
	a, b := tlstest.New(t), tlstest.New(t)
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		cert, key string
		on        bool
		wantErr   string // a substring naming the setting; "" = valid
	}{
		{"off by default", "", "", false, ""},
		{"a pair", a.CertFile, a.KeyFile, true, ""},
		{"cert without key", a.CertFile, "", false, "IM_TLS_KEY: required"},
		{"key without cert", "", a.KeyFile, false, "IM_TLS_CERT: required"},
		{"missing cert file", "/nonexistent/cert.pem", a.KeyFile, false, "IM_TLS_CERT: open"},
		{"missing key file", a.CertFile, "/nonexistent/key.pem", false, "IM_TLS_KEY: open"},
		{"cert is not PEM", garbage, a.KeyFile, false, "IM_TLS_CERT: not a PEM certificate"},
		{"key and cert swapped", a.KeyFile, a.CertFile, false, "IM_TLS_CERT: not a PEM certificate"},
		{"key of another cert", a.CertFile, b.KeyFile, false, "IM_TLS_KEY: does not load or does not match IM_TLS_CERT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"IM_TLS_CERT": tt.cert, "IM_TLS_KEY": tt.key}
			e := config.NewEnv(func(k string) string { return env[k] })
			got := config.LoadTLS(e)
			err := e.Err()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			case (got.Config != nil) != tt.on:
				t.Fatalf("TLS on = %v, want %v", got.Config != nil, tt.on)
			}
		})
	}
}
