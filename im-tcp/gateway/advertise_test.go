package gateway

import (
	"errors"
	"testing"
)

func TestAdvertised(t *testing.T) {
	host := func() (string, error) { return "gw-a", nil }
	none := func() (string, error) { return "", errors.New("no hostname") }
	tests := []struct {
		addr string
		name func() (string, error)
		want string
	}{
		{"[::]:19001", host, "gw-a:19001"},
		{"0.0.0.0:19002", host, "gw-a:19002"},
		{":19001", host, "gw-a:19001"},
		{"[::]:19001", none, "127.0.0.1:19001"},
		{"10.0.0.7:19001", host, "10.0.0.7:19001"},
		{"127.0.0.1:5", host, "127.0.0.1:5"},
		{"im.example.com:19001", host, "im.example.com:19001"},
		{"garbage", host, "garbage"},
	}
	for _, tt := range tests {
		if got := advertised(tt.addr, tt.name); got != tt.want {
			t.Errorf("advertised(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}
