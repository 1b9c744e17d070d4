package zookeeper

import (
	"errors"
	"testing"
)

// Register validates its input before any I/O, so a zero Client suffices.
func TestRegister_RejectsBadInput(t *testing.T) {
	tests := []struct {
		name, path string
		data       []byte
		badPath    bool
	}{
		{"relative path", "im/gateways/7", []byte(`{}`), true},
		{"root", "/", []byte(`{}`), true},
		{"trailing slash", "/im/gateways/", []byte(`{}`), true},
		{"not json", "/im/gateways/7", []byte(`addr=1`), false},
		{"empty data", "/im/gateways/7", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, err := (&Client{}).Register(t.Context(), tt.path, tt.data)
			if err == nil || reg != nil {
				t.Fatalf("Register = %v, %v; want an error", reg, err)
			}
			if got := errors.Is(err, errBadPath); got != tt.badPath {
				t.Fatalf("errors.Is(%v, errBadPath) = %v, want %v", err, got, tt.badPath)
			}
		})
	}
}

func TestWatch_RejectsBadPath(t *testing.T) {
	if ch, err := (&Client{}).Watch(t.Context(), "gateways"); err == nil || ch != nil {
		t.Fatalf("Watch = %v, %v; want errBadPath", ch, err)
	}
}
