package group

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestParseMembers(t *testing.T) {
	tests := []struct {
		data string
		want []string
		ok   bool
	}{
		{`["a","b"]`, []string{"a", "b"}, true},
		{`[{"memberId":"a","role":0},{"memberId":"b"}]`, []string{"a", "b"}, true},
		{`[]`, []string{}, true},
		{`{"memberId":"a"}`, nil, false},
		{`[1,2]`, nil, false},
	}
	for _, tt := range tests {
		got, err := parseMembers(json.RawMessage(tt.data))
		if (err == nil) != tt.ok || (tt.ok && !slices.Equal(got, tt.want)) {
			t.Errorf("parseMembers(%s) = %v, %v", tt.data, got, err)
		}
	}
}
