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
