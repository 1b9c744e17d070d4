package fault

import (
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-sdk/go/whaleim"
)

// testFleet is two users (a with two devices, b with one) and group g of
// both; device 0 sends.
func testFleet() *fleet {
	f := &fleet{byUser: map[string][]int{"a": {0, 1}, "b": {2}}, groups: map[string][]string{"g": {"a", "b"}},
		devs: []*simDevice{{idx: 0, user: "a"}, {idx: 1, user: "a"}, {idx: 2, user: "b"}}}
	f.led = newLedger(3)
	return f
}

// TestCheck: the checker counts each kind of violation it exists for, and
// passes a clean run.
func TestCheck(t *testing.T) {
	t0 := time.Now()
	p2p := &msgRec{id: "m1", from: 0, to: "b", conv: "p2p-a-b", sentAt: t0}
	grp := &msgRec{id: "m2", from: 0, group: "g", conv: "g-g", sentAt: t0}
	recv := func(f *fleet, d int, id, conv string, seq int64) {
		f.led.event(d, whaleim.MessageReceived{Message: whaleim.Message{ID: id, Conversation: conv, Seq: seq}})
	}
	ack := func(f *fleet, id string, seq int64) {
		f.led.event(0, whaleim.MessageStateChanged{MessageID: id, State: whaleim.Sent, Seq: seq})
	}
	stored := []dbRow{{id: "m1", from: "a", conv: "p2p-a-b", seq: 1}, {id: "m2", from: "a", conv: "g-g", seq: 1}}
	tests := []struct {
		name  string
		run   func(f *fleet)
		rows  []dbRow
		count func(r *Report) int
	}{
		{"clean", func(f *fleet) {
			ack(f, "m1", 1)
			ack(f, "m2", 1)
			for _, d := range []int{1, 2} {
				recv(f, d, "m1", "p2p-a-b", 1)
				recv(f, d, "m2", "g-g", 1)
			}
		}, stored, func(r *Report) int { return btoi(!r.Passed()) }},
		{"lost at one device", func(f *fleet) {
			ack(f, "m1", 1)
			ack(f, "m2", 1)
			recv(f, 2, "m1", "p2p-a-b", 1)
			recv(f, 1, "m2", "g-g", 1)
			recv(f, 2, "m2", "g-g", 1)
		}, stored, func(r *Report) int { return r.Lost }},
		{"acked, not stored", func(f *fleet) { ack(f, "m1", 1) }, nil, func(r *Report) int { return r.Lost - 2 }},
		{"app duplicate", func(f *fleet) {
			recv(f, 2, "m1", "p2p-a-b", 1)
			recv(f, 2, "m1", "p2p-a-b", 1)
		}, stored, func(r *Report) int { return r.DupApp }},
		{"reorder", func(f *fleet) {
			recv(f, 2, "m1", "p2p-a-b", 2)
			recv(f, 2, "x", "p2p-a-b", 1)
		}, stored, func(r *Report) int { return r.OrderViolations }},
		{"seq reuse in MySQL", func(f *fleet) {}, append(stored, dbRow{id: "m3", conv: "g-g", seq: 1}),
			func(r *Report) int { return r.SeqReuse }},
		{"ACK seq differs from MySQL", func(f *fleet) { ack(f, "m1", 7) }, stored, func(r *Report) int { return r.SeqReuse }},
		{"DB duplicate", func(f *fleet) {}, append(stored, dbRow{id: "m1", conv: "p2p-a-b", seq: 2}),
			func(r *Report) int { return r.DupDB }},
		{"refused yet stored", func(f *fleet) {
			f.led.event(0, whaleim.MessageStateChanged{MessageID: "m1", State: whaleim.Failed})
		}, stored[:1], func(r *Report) int { return r.Unexpected }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := testFleet()
			for _, m := range []msgRec{*p2p, *grp} {
				f.led.msgs[m.id] = &m
				f.led.order = append(f.led.order, &m)
			}
			tt.run(f)
			r := &Report{}
			f.check(r, tt.rows)
			want := 1
			if tt.name == "clean" {
				want = 0
			}
			if got := tt.count(r); got != want {
				t.Errorf("count %d, want %d\n%s", got, want, r.Summary())
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
