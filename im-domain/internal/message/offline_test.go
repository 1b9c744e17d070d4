package message

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/whaleim/whaleim/im-common/mq"
)

// offlineRecorder records what the flush hands to offline push.
type offlineRecorder struct {
	mu  sync.Mutex
	got []mq.OfflinePush
}

func (r *offlineRecorder) Offline(_ context.Context, evs []mq.OfflinePush) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, evs...)
}

// Offline push goes to the receivers the fan-out's presence lookup found
// without a device, never to the sender, and asks presence nothing more.
func TestSend_OfflineReceiversGetOnePushEvent(t *testing.T) {
	tests := []struct {
		name    string
		group   bool
		offline []string
		want    []string
	}{
		{"p2p receiver online", false, nil, nil},
		{"p2p receiver offline", false, []string{"bob"}, []string{"bob"}},
		{"sender offline too", false, []string{"alice", "bob"}, []string{"bob"}},
		{"group: offline members", true, []string{"bob", "carol"}, []string{"bob", "carol"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			for _, u := range tt.offline {
				delete(w.online, u)
			}
			rec := &offlineRecorder{}
			s := w.service(t)
			s.d.Offline = rec
			in := p2p("m1")
			in.Msg.MessageBody = strings.Repeat("é", previewRunes+5)
			if tt.group {
				groupSend(Group{Found: true, Member: &Member{}, Members: []string{"alice", "bob", "carol"}})(w, &in)
			}
			if _, err := s.Send(t.Context(), in); err != nil {
				t.Fatal(err)
			}
			if len(w.asked) != 1 {
				t.Errorf("presence asked %d times, want once (the fan-out's lookup)", len(w.asked))
			}
			if len(rec.got) != len(tt.want) {
				t.Fatalf("offline events %+v, want receivers %v", rec.got, tt.want)
			}
			for i, ev := range rec.got {
				if ev.ReceiverID != tt.want[i] || ev.SenderID != "alice" || ev.MessageID != "m1" || ev.Sequence != 1 ||
					ev.ConversationID != in.conversation() || ev.ID == "" || ev.Preview != strings.Repeat("é", previewRunes)+"…" {
					t.Errorf("event %+v", ev)
				}
			}
		})
	}
}
