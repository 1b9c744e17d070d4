package message

import (
	"errors"
	"slices"
	"testing"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
)

// An edit by the sender is stored as an edit record carrying the new body
// and a version, answered with 1056 and announced with 1057 to the other
// party; everyone else, a recalled message and an expired window are
// refused, answered with the code, and store nothing.
func TestEdit(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(w *world, s *Service, m mq.Message)
		by      string
		wantErr *errcode.Error
	}{
		{"the sender edits", nil, "alice", nil},
		{"the receiver may not", nil, "bob", errcode.EditNotAllowed},
		{"an outsider finds nothing", nil, "carol", errcode.MessageNotFound},
		{"window closed", func(w *world, _ *Service, _ mq.Message) { w.app.Settings.EditWindow = 0 }, "alice", errcode.EditWindowExpired},
		{"recalled", func(_ *world, s *Service, m mq.Message) {
			m.Recalled = true
			s.d.Store.(*fakeStore).write(m)
		}, "alice", errcode.MessageRecalled},
	}
	phones := map[string]device.ID{"alice": alicePhone, "bob": bobPhone, "carol": carolPhone}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			s := w.service(t)
			ack, err := s.Send(t.Context(), p2p("m1"))
			if err != nil {
				t.Fatal(err)
			}
			m := w.stored[len(w.stored)-1].Message
			if tt.setup != nil {
				tt.setup(w, s, m)
			}
			stored := len(w.stored)
			err = s.Edit(t.Context(), phones[tt.by], "gw", payload.Edit{MessageKey: ack.MessageKey, MessageID: "e1", MessageBody: "v2"})
			if a := w.acks[len(w.acks)-1]; a.Data == nil || a.Data.MessageID != "e1" {
				t.Fatalf("1056 %+v, want one answering e1", a)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || w.acks[len(w.acks)-1].Code != tt.wantErr.Code || len(w.stored) != stored {
					t.Fatalf("edit = %v, ack %+v, %d records stored; want %v answered, none stored", err, w.acks[len(w.acks)-1], len(w.stored)-stored, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rec := w.stored[len(w.stored)-1]
			if rec.Op != mq.OpEdit || rec.Message.Body != "v2" || rec.Message.Edited <= 0 || rec.Message.MessageID != "m1" {
				t.Fatalf("edit record %+v", rec)
			}
			if got := pushed(w, command.MessageEditNote); !slices.Equal(got, []string{"bob"}) {
				t.Errorf("1057 went to %v, want bob (the editing device already knows)", got)
			}
		})
	}
}

// Typing is relayed to the peer or the other group members, never stored,
// and refused to a stranger in 1:1 and to a non-member in a group.
func TestTyping(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(w *world)
		in      payload.Typing
		want    []string
		wantErr *errcode.Error
	}{
		{"friends", nil, payload.Typing{ToID: "bob"}, []string{"bob"}, nil},
		{"strangers without a conversation", func(w *world) { w.rel = Relation{} }, payload.Typing{ToID: "bob"}, nil, errcode.ConversationNotFound},
		{"blocked", func(w *world) { w.rel = Relation{Friends: true, Blocked: true} }, payload.Typing{ToID: "bob"}, nil, errcode.Blocked},
		{"no target", nil, payload.Typing{}, nil, errcode.MissingField},
		{"group members but the typist", func(w *world) {
			w.group = Group{Found: true, Member: &Member{}, Members: []string{"alice", "bob", "carol"}}
		}, payload.Typing{GroupID: "g"}, []string{"bob", "carol"}, nil},
		{"not a member", func(w *world) { w.group = Group{Found: true, Members: []string{"bob"}} }, payload.Typing{GroupID: "g"}, nil, errcode.NotGroupMember},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			if tt.setup != nil {
				tt.setup(w)
			}
			s := w.service(t)
			err := s.Typing(t.Context(), alicePhone, tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("typing = %v, want %v", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			got := pushed(w, command.MessageTyping)
			slices.Sort(got)
			if !slices.Equal(got, tt.want) || len(w.stored) != 0 {
				t.Errorf("relayed to %v with %d records stored, want %v and none", got, len(w.stored), tt.want)
			}
		})
	}
}

// Delete for me hides messages from the deleting user only and tells its
// devices; clearing hides everything up to the last message from that user
// only, moves its read position there and tells its devices.
func TestDeleteForMeAndClearHistory(t *testing.T) {
	w := newWorld()
	s := w.service(t)
	for _, id := range []string{"m1", "m2", "m3"} {
		if _, err := s.Send(t.Context(), p2p(id)); err != nil {
			t.Fatal(err)
		}
		s.d.Store.(*fakeStore).write(w.stored[len(w.stored)-1].Message)
	}
	conv := mq.P2PConversation("alice", "bob")
	seqsOf := func(user string) []int64 {
		p, err := s.Pull(t.Context(), 1, user, conv, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, v := range p.DataList {
			out = append(out, v.MessageSequence)
		}
		return out
	}
	if err := s.DeleteForMe(t.Context(), 1, "alice", conv, []int64{2, 2}); err != nil {
		t.Fatal(err)
	}
	if a, b := seqsOf("alice"), seqsOf("bob"); !slices.Equal(a, []int64{1, 3}) || !slices.Equal(b, []int64{1, 2, 3}) {
		t.Errorf("after alice deleted #2: alice pulls %v, bob %v; want [1 3] and [1 2 3]", a, b)
	}
	if got := pushed(w, command.MessageDeleteNote); !slices.Equal(got, []string{"alice"}) {
		t.Errorf("1058 went to %v, want alice's devices", got)
	}
	for _, bad := range [][]int64{nil, {0}, make([]int64, MaxDelete+1)} {
		if err := s.DeleteForMe(t.Context(), 1, "alice", conv, bad); !errors.Is(err, errcode.MissingField) {
			t.Errorf("delete %v = %v, want 1002", bad, err)
		}
	}
	if err := s.DeleteForMe(t.Context(), 1, "carol", conv, []int64{1}); !errors.Is(err, errcode.ConversationDenied) {
		t.Errorf("an outsider's delete = %v, want %v", err, errcode.ConversationDenied)
	}

	got, err := s.ClearHistory(t.Context(), 1, "bob", conv, 0)
	if err != nil || got != 3 {
		t.Fatalf("clear = %d, %v; want 3", got, err)
	}
	if b, a := seqsOf("bob"), seqsOf("alice"); len(b) != 0 || !slices.Equal(a, []int64{1, 3}) {
		t.Errorf("after bob cleared: bob pulls %v, alice %v; want none and [1 3]", b, a)
	}
	if w.read["bob|"+conv] != 3 {
		t.Errorf("bob's read position %d, want 3 (nothing cleared is unread)", w.read["bob|"+conv])
	}
	if got := pushed(w, command.ConversationClear); !slices.Equal(got, []string{"bob"}) {
		t.Errorf("5002 went to %v, want bob's devices", got)
	}
	if again, err := s.ClearHistory(t.Context(), 1, "bob", conv, 1); err != nil || again != 3 {
		t.Errorf("clearing less = %d, %v; want the mark to stay 3", again, err)
	}
}
