package zookeeper

import (
	"errors"
	"fmt"
	"testing"
)

func TestEqualMembers(t *testing.T) {
	a := []Member{{Name: "1", Data: []byte(`{"a":1}`)}, {Name: "2", Data: []byte(`{}`)}}
	tests := []struct {
		name string
		b    []Member
		want bool
	}{
		{"same", []Member{{Name: "1", Data: []byte(`{"a":1}`)}, {Name: "2", Data: []byte(`{}`)}}, true},
		{"other data", []Member{{Name: "1", Data: []byte(`{"a":2}`)}, {Name: "2", Data: []byte(`{}`)}}, false},
		{"other name", []Member{{Name: "1", Data: []byte(`{"a":1}`)}, {Name: "3", Data: []byte(`{}`)}}, false},
		{"shorter", a[:1], false},
		{"empty", []Member{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := equalMembers(a, tt.b); got != tt.want {
				t.Fatalf("equalMembers = %v, want %v", got, tt.want)
			}
		})
	}
	if !equalMembers(nil, []Member{}) {
		t.Fatal("nil and empty lists differ")
	}
}

func TestOffer_KeepsOnlyNewestList(t *testing.T) {
	out := make(chan []Member, 1)
	for i := range 3 {
		offer(out, []Member{{Name: fmt.Sprint(i)}})
	}
	got := <-out
	if len(got) != 1 || got[0].Name != "2" {
		t.Fatalf("got %v, want the newest list [2]", got)
	}
	select {
	case extra := <-out:
		t.Fatalf("stale list %v left in channel", extra)
	default:
	}
}

func TestNodeExistsError_MatchesSentinel(t *testing.T) {
	err := fmt.Errorf("register: %w", &NodeExistsError{Path: "/im/gateways/7", Owner: 0x10a})
	if !errors.Is(err, ErrNodeExists) {
		t.Fatal("errors.Is(err, ErrNodeExists) = false")
	}
	var ne *NodeExistsError
	if !errors.As(err, &ne) || ne.Owner != 0x10a {
		t.Fatalf("errors.As gave %+v", ne)
	}
	if want := "zookeeper: /im/gateways/7 is held by session 0x10a"; ne.Error() != want {
		t.Fatalf("Error() = %q, want %q", ne.Error(), want)
	}
}
