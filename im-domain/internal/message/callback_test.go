package message

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
)

// hooks records callbacks; Before answers veto.
type hooks struct {
	mu     sync.Mutex
	veto   error
	before []string
	after  []string
	last   any
}

func (h *hooks) Before(_ context.Context, _ uint32, event string, _ any) (json.RawMessage, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.before = append(h.before, event)
	return nil, h.veto
}

func (h *hooks) After(_ context.Context, _ uint32, event string, payload any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.after, h.last = append(h.after, event), payload
}

func TestSend_Callbacks(t *testing.T) {
	tests := []struct {
		name       string
		group      bool
		veto       error
		wantBefore string
		wantAfter  string
	}{
		{"p2p accepted", false, nil, EventSendBefore, EventSendAfter},
		{"group accepted", true, nil, EventGroupSendBefore, EventGroupSendAfter},
		{"p2p vetoed", false, errcode.CallbackVeto.With("no"), EventSendBefore, ""},
		{"fail-closed callback", false, errcode.Unavailable.With("down"), EventSendBefore, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			h := &hooks{veto: tt.veto}
			s := w.service(t)
			s.d.Callbacks = h
			in := p2p("m1")
			if tt.group {
				groupSend(Group{Found: true, Member: &Member{}})(w, &in)
			}
			_, err := s.Send(t.Context(), in)
			if len(h.before) != 1 || h.before[0] != tt.wantBefore {
				t.Fatalf("before = %v", h.before)
			}
			if tt.veto != nil {
				if !errors.Is(err, tt.veto) || len(w.stored) != 0 || len(pushed(w, command.MessageP2P)) != 0 || len(h.after) != 0 || len(w.dedup) != 0 {
					t.Fatalf("err %v, stored %d, events %d, after %v, dedup %d", err, len(w.stored), len(w.pushes), h.after, len(w.dedup))
				}
				// A veto is a refusal answered with an up-ACK; a failure is retried, not answered.
				if refused := errors.Is(err, errcode.CallbackVeto); refused != (len(w.acks) == 1) || refused != refusal(err) {
					t.Fatalf("veto %v: acks %+v", refused, w.acks)
				}
				return
			}
			if err != nil || len(h.after) != 1 || h.after[0] != tt.wantAfter {
				t.Fatalf("err %v, after %v", err, h.after)
			}
			if m, ok := h.last.(mq.Message); !ok || m.Seq != 1 || m.MessageKey == 0 {
				t.Fatalf("after payload = %#v", h.last)
			}
		})
	}
}

func TestSend_DuplicateCallsNoCallbackAgain(t *testing.T) {
	w := newWorld()
	h := &hooks{}
	s := w.service(t)
	s.d.Callbacks = h
	for range 2 {
		if _, err := s.Send(t.Context(), p2p("m1")); err != nil {
			t.Fatal(err)
		}
	}
	if len(h.before) != 1 || len(h.after) != 1 {
		t.Fatalf("before %v, after %v", h.before, h.after)
	}
}
