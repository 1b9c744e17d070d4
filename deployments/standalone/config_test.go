package main

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad configuration stops the binary before anything starts, with one
// line naming the setting at fault: never a panic, never a hang.
func TestRun_BadConfigurationNamesTheSetting(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	closed := freeAddr(t) // nothing listens there
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     map[string]string
		setting string
	}{
		{"data folder under a file", map[string]string{envDataDir: filepath.Join(file, "data")}, envDataDir},
		{"data folder not writable", map[string]string{envDataDir: "/proc/1"}, envDataDir},
		{"REST port in use", map[string]string{"IM_HTTP_ADDR": busy.Addr().String()}, "IM_HTTP_ADDR"},
		{"TCP port in use", map[string]string{"IM_TCP_ADDR": busy.Addr().String()}, "IM_TCP_ADDR"},
		{"store ops port in use", map[string]string{envStoreHTTP: busy.Addr().String()}, envStoreHTTP},
		{"web demo port in use", map[string]string{envWeb: busy.Addr().String()}, envWeb},
		{"unreachable Redis", map[string]string{envRedis: closed}, envRedis},
		{"unreachable MySQL", map[string]string{envMySQL: "root:@tcp(" + closed + ")/im"}, envMySQL},
		{"unreachable RabbitMQ", map[string]string{envRabbit: "amqp://guest:guest@" + closed + "/"}, envRabbit},
		{"a service's own bad setting", map[string]string{"IM_STORE_BATCH": "0"}, "IM_STORE_BATCH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{envDataDir: t.TempDir(), "IM_HTTP_ADDR": "127.0.0.1:0", "IM_TCP_ADDR": "127.0.0.1:0",
				"IM_WS_ADDR": "127.0.0.1:0", envGatewayHTTP: "127.0.0.1:0", envStoreHTTP: "127.0.0.1:0", envWeb: "off"}
			for k, v := range tt.env {
				env[k] = v
			}
			err := run(t.Context(), func(k string) string { return env[k] }, io.Discard)
			if err == nil {
				t.Fatal("run succeeded")
			}
			if line := err.Error(); !strings.HasPrefix(line, tt.setting+":") || strings.Contains(line, "\n") {
				t.Errorf("error %q: want one line starting with %s:", line, tt.setting)
			}
		})
	}
}

// freeAddr returns a loopback address nobody listens on right now.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
