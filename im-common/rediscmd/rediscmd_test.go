package rediscmd_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-common/rediscmd"
)

// server reads one command's bytes (count of them known to the test) and
// answers reply; it sends what it read on got.
func server(t *testing.T, n int, reply string) (string, <-chan string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	got := make(chan string, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		b := make([]byte, n)
		_, _ = io.ReadFull(bufio.NewReader(c), b)
		got <- string(b)
		_, _ = io.WriteString(c, reply)
	}()
	return l.Addr().String(), got
}

func TestDo(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		reply   string
		want    string
		wantErr string
	}{
		{"status", []string{"PING"}, "+PONG\r\n", "+PONG", ""},
		{"integer", []string{"HLEN", "k:1"}, ":3\r\n", ":3", ""},
		{"error reply", []string{"NOPE"}, "-ERR unknown command 'NOPE'\r\n", "", "redis: -ERR unknown command 'NOPE'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var wire strings.Builder
			wire.WriteString("*" + string(rune('0'+len(tt.args))) + "\r\n")
			for _, a := range tt.args {
				wire.WriteString("$" + string(rune('0'+len(a))) + "\r\n" + a + "\r\n")
			}
			addr, got := server(t, wire.Len(), tt.reply)
			line, err := rediscmd.Do(context.Background(), addr, tt.args...)
			if w := <-got; w != wire.String() {
				t.Fatalf("server read %q, want %q", w, wire.String())
			}
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Do = %q, %v; want error %q", line, err, tt.wantErr)
				}
				return
			}
			if err != nil || line != tt.want {
				t.Fatalf("Do = %q, %v; want %q", line, err, tt.want)
			}
		})
	}
}

func TestPingDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	if err := rediscmd.Ping(context.Background(), addr); err == nil {
		t.Fatal("Ping of a closed port succeeded")
	}
}
