package conversation

import (
	"errors"
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
)

func TestParseID(t *testing.T) {
	tests := []struct {
		owner, id string
		typ       Type
		peer      string
		err       error
	}{
		{"alice", mq.P2PConversation("alice", "bob"), P2P, "bob", nil},
		{"bob", mq.P2PConversation("alice", "bob"), P2P, "alice", nil},
		// (P1, "P2:P3") and ("P1:P2", P3) would share p2p:P1:P2:P3: ':' is
		// not an id character, so the id names nobody's conversation.
		{"P3", "p2p:P1:P2:P3", 0, "", errcode.MissingField},
		{"P1", "p2p:P1:P2:P3", 0, "", errcode.MissingField},
		{"P2:P3", "p2p:P1:P2:P3", 0, "", errcode.MissingField},
		{"me", "p2p:me:me", 0, "", errcode.MissingField},
		{"alice", "group:g:1", 0, "", errcode.MissingField},
		{"alice", "p2p:bob:alice", 0, "", errcode.MissingField}, // not sorted: not the pair's id
		{"carol", mq.P2PConversation("alice", "bob"), 0, "", errcode.ConversationNotFound},
		{"alice", "0_alice_bob", 0, "", errcode.MissingField},
		{"alice", "group:", 0, "", errcode.MissingField},
		{"alice", "p2p:alice:" + strings.Repeat("x", 200), 0, "", errcode.MissingField},
	}
	for _, tt := range tests {
		typ, peer, err := ParseID(tt.owner, tt.id)
		if typ != tt.typ || peer != tt.peer || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("ParseID(%q, %q) = %v %q %v", tt.owner, tt.id, typ, peer, err)
		}
	}
}

func TestTouchValidates(t *testing.T) {
	p2p := mq.P2PConversation("alice", "bob")
	from := func(id string) LastMessage { return LastMessage{FromID: id} }
	tests := []struct {
		name   string
		conv   string
		kind   mq.ConversationKind
		owners []string
		peer   string
		seq    int64
		last   LastMessage
		ok     bool
	}{
		{"p2p both", p2p, mq.P2P, []string{"bob", "alice", "bob"}, "bob", 1, from("alice"), true},
		{"p2p stranger", p2p, mq.P2P, []string{"alice", "eve"}, "bob", 1, from("alice"), false},
		{"p2p wrong id", p2p, mq.P2P, []string{"alice"}, "eve", 1, from("alice"), false},
		{"group", mq.GroupConversation("g"), mq.Group, []string{"x", "y"}, "g", 3, from("x"), true},
		{"group wrong id", mq.GroupConversation("g"), mq.Group, []string{"x"}, "h", 3, from("x"), false},
		{"zero seq", p2p, mq.P2P, []string{"alice"}, "bob", 0, from("alice"), false},
		{"unknown kind", p2p, "chan", []string{"alice"}, "bob", 1, from("alice"), false},
		{"empty owner", mq.GroupConversation("g"), mq.Group, []string{""}, "g", 1, from("x"), false},
	}
	for _, tt := range tests {
		got, err := touch(tt.conv, tt.kind, tt.owners, tt.peer, tt.seq, tt.last)
		if (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.name, err)
		}
		if tt.name == "p2p both" && (len(got.Owners) != 2 || got.Owners[0] != (Owner{"alice", "bob"}) || got.Owners[1] != (Owner{"bob", "alice"})) {
			t.Errorf("owners = %+v (deduplicated, sorted, each with its own peer)", got.Owners)
		}
	}
}

func TestPatchAndPreview(t *testing.T) {
	one, two := 1, 2
	if (Patch{}).Validate() == nil || (Patch{Top: &two}).Validate() == nil || (Patch{Mute: &one}).Validate() != nil {
		t.Error("Patch.Validate")
	}
	c := Conversation{Top: 1}
	if (Patch{Top: &one}).Apply(&c) || !(Patch{Mute: &one}).Apply(&c) || c.Mute != 1 {
		t.Errorf("Patch.Apply: %+v", c)
	}
	if p := preview(strings.Repeat("é", 150) + "\xff"); p != strings.Repeat("é", PreviewRunes) {
		t.Errorf("preview = %q", p)
	}
	if p := preview("bad \xff utf8"); p != "bad \uFFFD utf8" {
		t.Errorf("preview = %q", p)
	}
	c = Conversation{MaxSeq: 3, ReadSeq: 9}
	if c.fill(); c.Unread != 0 {
		t.Errorf("unread = %d with read past max", c.Unread)
	}
}
