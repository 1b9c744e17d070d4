package store

import (
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-common/mq"
)

func TestChunks(t *testing.T) {
	small := row{Body: "x"}
	big := row{Body: strings.Repeat("x", 3000)}
	tests := []struct {
		name     string
		rows     []row
		maxRows  int
		maxBytes int
		want     []int // chunk sizes
	}{
		{"empty", nil, 10, 1 << 20, nil},
		{"one chunk", []row{small, small, small}, 10, 1 << 20, []int{3}},
		{"by rows", []row{small, small, small, small, small}, 2, 1 << 20, []int{2, 2, 1}},
		{"by bytes", []row{small, big, small, big}, 10, 4100, []int{2, 2}},
		{"oversized row alone", []row{small, big, big, small}, 10, 1000, []int{1, 1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int
			total := 0
			for _, c := range chunks(tt.rows, tt.maxRows, tt.maxBytes) {
				got = append(got, len(c))
				total += len(c)
			}
			if len(got) != len(tt.want) || total != len(tt.rows) {
				t.Fatalf("chunk sizes %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("chunk sizes %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestToRow(t *testing.T) {
	m := p2p(3)
	r := toRow(m, false, 42)
	if r.AppID != m.AppID || r.ConversationID != m.ConversationID || r.Seq != 3 || r.MessageKey != m.MessageKey ||
		r.MessageID != m.MessageID || r.Kind != "p2p" || r.FromID != "alice" || r.ToID != "bob" ||
		r.Body != m.Body || r.MessageTime != m.Time || r.Recalled || r.Inserted != 42 {
		t.Fatalf("toRow = %+v", r)
	}
	if !toRow(m, true, 0).Recalled {
		t.Error("recall op must store the row recalled")
	}
	m.Recalled = true
	if !toRow(m, false, 0).Recalled {
		t.Error("a message recorded as recalled stays recalled")
	}
	if got := identityOf(m); got != (identity{AppID: m.AppID, FromID: "alice", MessageID: m.MessageID}) {
		t.Errorf("identity = %+v", got)
	}
}

func TestNames_PrefixEveryObject(t *testing.T) {
	n := newNames("t1.", mq.Quorum)
	if n.exchange != "t1.im.store" || n.queue != "t1.im.store.messages" || n.dead != "t1.im.dead" {
		t.Fatalf("names = %+v", n)
	}
	for _, e := range n.topology.Exchanges {
		if !strings.HasPrefix(e.Name, "t1.") {
			t.Errorf("exchange %q not prefixed", e.Name)
		}
	}
	for _, q := range n.topology.Queues {
		if !strings.HasPrefix(q.Name, "t1.") {
			t.Errorf("queue %q not prefixed", q.Name)
		}
		if q.Name == n.queue && (q.Type != mq.Quorum || !q.DeadLetter || q.DeliveryLimit != mq.DefaultDeliveryLimit) {
			t.Errorf("store queue lost its arguments: %+v", q)
		}
	}
	for _, b := range n.topology.Bindings {
		if !strings.HasPrefix(b.Queue, "t1.") || !strings.HasPrefix(b.Exchange, "t1.") {
			t.Errorf("binding %+v not prefixed", b)
		}
	}
	if plain := newNames("", mq.Classic); plain.queue != mq.QueueStoreMessages || plain.dead != mq.ExchangeDead {
		t.Errorf("no prefix must give the contract names: %+v", plain)
	}
}
