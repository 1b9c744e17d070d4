package message

import (
	"fmt"
	"testing"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
)

// BenchmarkSendBatch runs the whole send pipeline over fakes for a batch
// of 100 1:1 messages between 50 pairs: the CPU the message core spends
// per batch (ns/op is per batch of 100).
func BenchmarkSendBatch(b *testing.B) {
	w := newWorld()
	for i := range 100 {
		u := fmt.Sprintf("u%d", i)
		w.users[u] = w.users["bob"]
		w.online[u] = []session.Session{{Broker: fmt.Sprintf("gw%d", i%4), ClientType: 3, IMEI: "p"}}
	}
	s := w.service(b)
	s.d.StorePub, s.d.Pushes = notify.Discard{}, notify.Discard{} // the fakes' decoding is not the core's cost
	b.ReportAllocs()
	for n := 0; b.Loop(); n++ {
		batch := s.NewBatch()
		for i := range 100 {
			in := p2pTo(fmt.Sprintf("m%d-%d", n, i), fmt.Sprintf("u%d", i%50))
			in.FromID = fmt.Sprintf("u%d", 50+i%50)
			batch.Send(in)
		}
		if err := batch.Run(b.Context()); err != nil {
			b.Fatal(err)
		}
		w.mu.Lock()
		w.log, w.recent = nil, nil
		w.mu.Unlock()
	}
}

// BenchmarkFanOutGrouping groups one 200-member group message per gateway
// (4 gateways, one device per member): the per-message cost of a group
// delivery's routing and encoding.
func BenchmarkFanOutGrouping(b *testing.B) {
	w := newWorld()
	members := make([]string, 200)
	for i := range members {
		members[i] = fmt.Sprintf("m%03d", i)
		w.online[members[i]] = []session.Session{{Broker: fmt.Sprintf("gw%d", i%4), ClientType: 3, IMEI: "p"}}
	}
	s := w.service(b)
	j := &job{in: p2p("g1"), e: Entry{Seq: 1, Key: 2, Time: 3}, members: members}
	groupSend(Group{})(w, &j.in)
	b.ReportAllocs()
	for b.Loop() {
		var o outbox
		s.deliver(b.Context(), &o, j)
		on, err := s.presence(b.Context(), &o)
		if err != nil {
			b.Fatal(err)
		}
		byGateway := map[string][]mq.Push{}
		for i := range o.entries {
			if err := route(&o.entries[i], on, byGateway); err != nil {
				b.Fatal(err)
			}
		}
	}
}
