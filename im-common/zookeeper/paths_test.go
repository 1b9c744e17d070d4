package zookeeper

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestCheckPath(t *testing.T) {
	tests := []struct {
		path      string
		allowRoot bool
		ok        bool
	}{
		{"/im/gateways/7", false, true},
		{"/a", false, true},
		{"/", true, true},
		{"/", false, false},
		{"", true, false},
		{"im/gateways", false, false},
		{"/im/gateways/", false, false},
		{"/im//gateways", false, false},
	}
	for _, tt := range tests {
		err := checkPath(tt.path, tt.allowRoot)
		if (err == nil) != tt.ok {
			t.Errorf("checkPath(%q, %v) = %v, want ok=%v", tt.path, tt.allowRoot, err, tt.ok)
		}
		if err != nil && !errors.Is(err, errBadPath) {
			t.Errorf("checkPath(%q) error %v does not match errBadPath", tt.path, err)
		}
	}
}

func TestParents(t *testing.T) {
	tests := []struct {
		path string
		want []string
	}{
		{"/a", nil},
		{"/im/gateways", []string{"/im"}},
		{"/im/gateways/7", []string{"/im", "/im/gateways"}},
	}
	for _, tt := range tests {
		if got := parents(tt.path); !slices.Equal(got, tt.want) {
			t.Errorf("parents(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestChild(t *testing.T) {
	tests := []struct{ parent, name, want string }{
		{"/", "im", "/im"},
		{"/im/gateways", "7", "/im/gateways/7"},
	}
	for _, tt := range tests {
		if got := child(tt.parent, tt.name); got != tt.want {
			t.Errorf("child(%q, %q) = %q, want %q", tt.parent, tt.name, got, tt.want)
		}
	}
}

func TestHexID(t *testing.T) {
	tests := []struct {
		sid  int64
		want string
	}{
		{0, "0x0"},
		{0x1000a2b3c4d0001, "0x1000a2b3c4d0001"},
		{-1, "0xffffffffffffffff"},
	}
	for _, tt := range tests {
		if got := hexID(tt.sid); got != tt.want {
			t.Errorf("hexID(%d) = %s, want %s", tt.sid, got, tt.want)
		}
	}
}

func TestBackoff_GrowsToMaxWithJitterAndResets(t *testing.T) {
	b := newBackoff()
	wantCaps := []time.Duration{100, 200, 400, 800, 1600, 2000, 2000}
	for i, c := range wantCaps {
		c *= time.Millisecond
		if d := b.next(); d < c/2 || d > c {
			t.Fatalf("attempt %d: wait %v outside [%v, %v]", i, d, c/2, c)
		}
	}
	b.reset()
	if d := b.next(); d > 100*time.Millisecond {
		t.Fatalf("after reset: wait %v, want <= 100ms", d)
	}
}
