package errcode_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-common/errcode"
)

var update = flag.Bool("update", false, "rewrite testdata/table.golden")

// TestTable_Golden pins the append-only table: any renumbering or rewording
// shows up as a diff of testdata/table.golden.
func TestTable_Golden(t *testing.T) {
	var b strings.Builder
	seen := map[errcode.Code]bool{}
	for _, e := range errcode.All() {
		if seen[e.Code] {
			t.Errorf("code %d listed twice", e.Code)
		}
		seen[e.Code] = true
		fmt.Fprintf(&b, "%d\t%s\n", e.Code, e.Message)
	}
	if *update {
		if err := os.WriteFile("testdata/table.golden", []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/table.golden")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), string(want)) {
		t.Errorf("table changed in place (append only):\n got %s\nwant %s", b.String(), want)
	}
	if b.String() != string(want) {
		t.Errorf("table grew; run go test -update to record the new codes")
	}
}

func TestIs_MatchesByCode(t *testing.T) {
	err := fmt.Errorf("send to u2: %w", errcode.NotFriends.With("u1 and u2"))
	tests := []struct {
		target *errcode.Error
		want   bool
	}{{errcode.NotFriends, true}, {errcode.Blocked, false}}
	for _, tt := range tests {
		if got := errors.Is(err, tt.target); got != tt.want {
			t.Errorf("Is(%v) = %v, want %v", tt.target, got, tt.want)
		}
	}
}

func TestOf(t *testing.T) {
	tests := []struct {
		err  error
		want errcode.Code
	}{
		{nil, 200},
		{errors.New("disk on fire"), errcode.Internal.Code},
		{fmt.Errorf("ctx: %w", errcode.GroupMuted), errcode.GroupMuted.Code},
	}
	for _, tt := range tests {
		if got := errcode.Of(tt.err).Code; got != tt.want {
			t.Errorf("Of(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestRetryable(t *testing.T) {
	if !errcode.Unavailable.Retryable() || errcode.NotFriends.Retryable() || errcode.CallbackVeto.Retryable() {
		t.Error("retryable range wrong")
	}
	if e, ok := errcode.Lookup(5003); !ok || e != errcode.NotGroupMember {
		t.Error("Lookup(5003)")
	}
}
