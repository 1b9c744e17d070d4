package golden

import (
	"encoding/json"
	"flag"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

type sample struct {
	Name string          `json:"name"`
	Tags []string        `json:"tags"`
	Raw  json.RawMessage `json:"raw"`
}

func TestJSON(t *testing.T) {
	tests := []struct {
		name string
		v    any
	}{
		{"sample", sample{Name: "a", Tags: []string{"x", "y"}, Raw: json.RawMessage(`{"k":1}`)}},
		{"sample_empty", sample{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { JSON(t, *update, tt.name, tt.v) })
	}
}

func TestBytes(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
	}{
		{"bytes", []byte("a|b\x00\xff 0123456789abcdef and more than one line")},
		{"bytes_empty", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Bytes(t, *update, tt.name, tt.b); string(got) != string(tt.b) {
				t.Errorf("file holds %q, want %q", got, tt.b)
			}
		})
	}
}

func TestParseDump_Refuses(t *testing.T) {
	for _, dump := range []string{"00000000  zz  |.|", "no column", "00000000 |x|"} {
		if _, err := parseDump(dump); err == nil {
			t.Errorf("parseDump(%q) accepted", dump)
		}
	}
}
