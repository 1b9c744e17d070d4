package message

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-domain/internal/user"
)

func p2p(id string) Send {
	o := alicePhone
	return Send{AppID: 1, FromID: "alice", Origin: &o, Broker: "gw1",
		Msg: payload.Message{MessageID: id, ToID: "bob", MessageBody: "hi"}}
}

func TestSend_OrderStorePublishBeforeUpAckBeforeFanOut(t *testing.T) {
	w := newWorld()
	delete(w.online, "bob")
	got, err := w.service(t).Send(t.Context(), p2p("m1"))
	if err != nil {
		t.Fatal(err)
	}
	// The assigned entry and the recent identity are written concurrently;
	// the done entry after the store publish, concurrently with the answers.
	slices.Sort(w.log[1:3])
	done := slices.Index(w.log, "dedup:done")
	if done < slices.Index(w.log, "store:insert") {
		t.Fatalf("done entry before the store publish: %v", w.log)
	}
	rest := slices.Delete(slices.Clone(w.log), done, done+1)
	want := []string{"claim", "dedup:assigned", "recent", "store:insert", "conversation", "push:1046", "push:1107"}
	if !slices.Equal(rest, want) {
		t.Fatalf("steps = %v, want %v", w.log, want)
	}
	if got.MessageSequence != 1 || got.MessageKey <= 0 || got.MessageTime == 0 || w.acks[0].Code != 200 {
		t.Fatalf("ack = %+v / %+v", got, w.acks)
	}
	if r := w.stored[0].Message; r.Seq != 1 || r.ConversationID != "p2p:alice:bob" || r.ToID != "bob" || r.Body != "hi" {
		t.Fatalf("store record = %+v", r)
	}
}

func TestSend_OnlineReceiverGetsNoServerReceiveAck(t *testing.T) {
	w := newWorld()
	w.online["bob"] = []session.Session{{Broker: "gw2"}}
	if _, err := w.service(t).Send(t.Context(), p2p("m1")); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(w.log, "push:1107") {
		t.Fatalf("1107 sent for an online receiver: %v", w.log)
	}
}

func TestSend_DuplicateGetsOriginalAck(t *testing.T) {
	w := newWorld()
	s := w.service(t)
	first, err := s.Send(t.Context(), p2p("m1"))
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		again, err := s.Send(t.Context(), p2p("m1"))
		if err != nil || again != first {
			t.Fatalf("resend = %+v, %v; want %+v", again, err, first)
		}
	}
	if fanOuts := pushed(w, command.MessageP2P); len(w.stored) != 1 || len(w.acks) != 5 || len(fanOuts) != 1 {
		t.Fatalf("stored %d, acks %d, fan-outs %v; want 1, 5, [bob]", len(w.stored), len(w.acks), fanOuts)
	}
	for _, a := range w.acks {
		if *a.Data != *w.acks[0].Data {
			t.Fatalf("acks differ: %+v", w.acks)
		}
	}
}

func TestSend_ConcurrentDuplicatesOneMessage(t *testing.T) {
	w := newWorld()
	s := w.service(t)
	var wg sync.WaitGroup
	res := make([]payload.AckData, 20)
	errs := make([]error, 20)
	for i := range res {
		wg.Go(func() { res[i], errs[i] = s.Send(t.Context(), p2p("m1")) })
	}
	wg.Wait()
	for i := range res {
		if errs[i] != nil || res[i] != res[0] {
			t.Fatalf("send %d = %+v, %v; want %+v", i, res[i], errs[i], res[0])
		}
	}
	if len(w.stored) != 1 {
		t.Fatalf("stored %d records", len(w.stored))
	}
}

func TestSend_Refusals(t *testing.T) {
	tests := []struct {
		name  string
		setup func(w *world, in *Send)
		want  *errcode.Error
	}{
		{"unknown sender", func(w *world, in *Send) { in.FromID = "zed" }, errcode.UserNotFound},
		{"unknown receiver", func(w *world, in *Send) { in.Msg.ToID = "zed" }, errcode.UserNotFound},
		{"forbidden", func(w *world, _ *Send) { w.users["alice"] = withFlags(1, 0) }, errcode.UserForbidden},
		{"muted", func(w *world, _ *Send) { w.users["alice"] = withFlags(0, 1) }, errcode.UserMuted},
		{"not friends", func(w *world, _ *Send) { w.app.Settings.FriendCheckOnSend, w.rel.Friends = true, false }, errcode.NotFriends},
		{"friends not required", func(w *world, _ *Send) { w.rel.Friends = false }, nil},
		{"blocked", func(w *world, _ *Send) { w.rel.Blocked = true }, errcode.Blocked},
		{"block check off", func(w *world, _ *Send) { w.rel.Blocked, w.app.Settings.BlacklistCheckOnSend = true, false }, nil},
		{"to self", func(w *world, in *Send) { in.Msg.ToID = "alice" }, errcode.MissingField},
		{"toId with a trailing space", func(w *world, in *Send) { in.Msg.ToID = "bob " }, errcode.MissingField},
		{"toId with the conversation separator", func(w *world, in *Send) { in.Msg.ToID = "bob:carol" }, errcode.MissingField},
		{"toId with a control character", func(w *world, in *Send) { in.Msg.ToID = "bob\x00" }, errcode.MissingField},
		{"groupId with a trailing space", func(w *world, in *Send) { in.Group, in.Msg.ToID, in.Msg.GroupID = true, "", "g1 " }, errcode.MissingField},
		{"no body", func(w *world, in *Send) { in.Msg.MessageBody = "" }, errcode.MissingField},
		{"too large", func(w *world, in *Send) { in.Msg.MessageBody = strings.Repeat("x", 64<<10+1) }, errcode.MessageTooLarge},
		{"group not found", groupSend(Group{}), errcode.GroupNotFound},
		{"group destroyed", groupSend(Group{Found: true, Destroyed: true}), errcode.GroupDestroyed},
		{"not member", groupSend(Group{Found: true}), errcode.NotGroupMember},
		{"group muted", groupSend(Group{Found: true, Muted: true, Member: &Member{}}), errcode.GroupMuted},
		{"manager speaks in muted group", groupSend(Group{Found: true, Muted: true, Member: &Member{Role: RoleManager}}), nil},
		{"member muted", groupSend(Group{Found: true, Member: &Member{MutedUntil: time.Now().Add(time.Hour)}}), errcode.MemberMuted},
		{"member mute over", groupSend(Group{Found: true, Member: &Member{MutedUntil: time.Now().Add(-time.Hour)}}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			in := p2p("m1")
			tt.setup(w, &in)
			_, err := w.service(t).Send(t.Context(), in)
			if tt.want == nil {
				if err != nil || len(w.stored) != 1 {
					t.Fatalf("err = %v, stored %d", err, len(w.stored))
				}
				return
			}
			if !errors.Is(err, tt.want) || !refusal(err) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if len(w.stored) != 0 || len(w.pushes) != 1 || len(w.acks) != 1 || w.acks[0].Code != tt.want.Code {
				t.Fatalf("refusal stored %d, pushed %d, acks %+v", len(w.stored), len(w.pushes), w.acks)
			}
			if len(w.dedup) != 0 {
				t.Fatalf("refusal kept its dedup claim")
			}
		})
	}
}

func TestSend_GroupFansOutToMembers(t *testing.T) {
	w := newWorld()
	in := p2p("g1")
	groupSend(Group{Found: true, Member: &Member{}, Members: []string{"alice", "bob", "carol"}})(w, &in)
	if _, err := w.service(t).Send(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	if r := w.stored[0].Message; r.ConversationID != "group:g" || r.GroupID != "g" || r.ToID != "" {
		t.Fatalf("record %+v", r)
	}
	// Every member's devices but the sending one.
	if got := pushed(w, command.GroupMessage); !slices.Equal(slices.Sorted(slices.Values(got)), []string{"bob", "carol"}) {
		t.Fatalf("fan-out to %v", got)
	}
	if !slices.Contains(w.log, "push:2047") || slices.Contains(w.log, "push:1107") {
		t.Fatalf("steps %v", w.log)
	}
}

func TestSend_TransientStoreFailureNoAckSameSeqOnRetry(t *testing.T) {
	w := newWorld()
	s := w.service(t)
	w.failPub = errors.New("broker down")
	if _, err := s.Send(t.Context(), p2p("m1")); err == nil || refusal(err) {
		t.Fatalf("err = %v, want transient", err)
	}
	if len(w.pushes) != 0 {
		t.Fatalf("transient failure answered: %v", w.log)
	}
	w.failPub = nil
	// The failed attempt gave its claim up: the redelivery takes it over at
	// once (not after TakeOver) and reuses the seq.
	got, err := s.Send(context.Background(), p2p("m1"))
	if err != nil || got.MessageSequence != 1 || w.seq["p2p:alice:bob"] != 1 {
		t.Fatalf("retry = %+v, %v; seqs issued %d", got, err, w.seq["p2p:alice:bob"])
	}
}

func TestSend_InFlightDuplicateIsRetryable(t *testing.T) {
	w := newWorld()
	s := w.service(t)
	w.dedup[dk(SenderKey{1, "alice", "m1"})] = Entry{State: Pending, At: time.Now().UnixMilli()}
	start := time.Now()
	_, err := s.Send(t.Context(), p2p("m1"))
	if !errors.Is(err, errcode.Unavailable) || refusal(err) || time.Since(start) < InFlightWait {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
	if len(w.acks) != 0 {
		t.Fatal("in-flight duplicate answered")
	}
}

func TestSend_BackOfficeHasNoUpAck(t *testing.T) {
	w := newWorld()
	delete(w.online, "bob")
	in := p2p("m1")
	in.Origin, in.Broker = nil, ""
	if _, err := w.service(t).Send(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	if got := pushed(w, command.MessageReceiveAck); len(w.acks) != 0 || len(w.stored) != 1 || !slices.Equal(got, []string{"alice"}) {
		t.Fatalf("steps %v", w.log)
	}
}

func withFlags(forbidden, silent int) user.User {
	return user.User{ID: "alice", Forbidden: forbidden, Silent: silent}
}

func groupSend(g Group) func(w *world, in *Send) {
	return func(w *world, in *Send) {
		w.group = g
		in.Group, in.Msg.ToID, in.Msg.GroupID = true, "", "g"
	}
}
