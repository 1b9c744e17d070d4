package domain

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Push credentials are parsed at start: a bad file, a missing companion
// setting or a non-http(s) endpoint stops the node naming the setting.
func TestLoadPush(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	p8 := write("key.p8", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	apns := map[string]string{"IM_PUSH_APNS_KEY": p8, "IM_PUSH_APNS_KEY_ID": "ABC123DEFG", "IM_PUSH_APNS_TEAM_ID": "T", "IM_PUSH_APNS_TOPIC": "im.app"}
	with := func(base map[string]string, k, v string) map[string]string {
		m := map[string]string{"IM_DEV": "true"}
		for a, b := range base {
			m[a] = b
		}
		if k != "" {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"off by default", with(nil, "", ""), ""},
		{"apns", with(apns, "", ""), ""},
		{"apns key not a key", with(apns, "IM_PUSH_APNS_KEY", write("bad.p8", "nope")), "IM_PUSH_APNS_KEY"},
		{"apns key missing", with(apns, "IM_PUSH_APNS_KEY", filepath.Join(dir, "missing.p8")), "IM_PUSH_APNS_KEY"},
		{"apns without topic", with(apns, "IM_PUSH_APNS_TOPIC", ""), "IM_PUSH_APNS_TOPIC"},
		{"apns endpoint not http", with(apns, "IM_PUSH_APNS_ENDPOINT", "api.push.apple.com"), "IM_PUSH_APNS_ENDPOINT"},
		{"fcm credentials not json", with(nil, "IM_PUSH_FCM_CREDENTIALS", write("sa.json", "{oops")), "IM_PUSH_FCM_CREDENTIALS"},
		{"fcm credentials of a user", with(nil, "IM_PUSH_FCM_CREDENTIALS", write("user.json", `{"type":"authorized_user"}`)), "IM_PUSH_FCM_CREDENTIALS"},
		{"fcm endpoint not http", with(nil, "IM_PUSH_FCM_ENDPOINT", "ftp://fcm"), "IM_PUSH_FCM_ENDPOINT"},
		{"ca file not pem", with(nil, "IM_PUSH_CA_FILE", write("ca.pem", "nope")), "IM_PUSH_CA_FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(func(k string) string { return tt.env[k] })
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if (cfg.Push.APNs != nil) != (tt.env["IM_PUSH_APNS_KEY"] != "") || cfg.Push.FCM != nil {
					t.Errorf("push = %+v", cfg.Push)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to name %s", err, tt.wantErr)
			}
		})
	}
}
