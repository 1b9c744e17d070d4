package message

import (
	"fmt"
	"slices"
	"testing"

	"github.com/whaleim/whaleim/im-common/command"
)

// TestSend_PresencePrefetch: the parties' presence is asked for once, ahead
// of the flush; when that lookup fails, the flush asks again and the
// delivery still goes out.
func TestSend_PresencePrefetch(t *testing.T) {
	tests := []struct {
		name      string
		fails     int
		wantAsked string
	}{
		{"asked once", 0, "[[alice bob]]"},
		{"asked again after a failed prefetch", 1, "[[alice bob] [alice bob]]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			w.presenceFails = tt.fails
			if _, err := w.service(t).Send(t.Context(), p2p("m1")); err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(w.asked); got != tt.wantAsked {
				t.Errorf("presence lookups %s, want %s", got, tt.wantAsked)
			}
			if to := pushed(w, command.MessageP2P); !slices.Contains(to, "bob") {
				t.Errorf("delivered to %v, want bob", to)
			}
		})
	}
}
