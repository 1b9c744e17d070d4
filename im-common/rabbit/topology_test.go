package rabbit

import (
	"reflect"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/whaleim/whaleim/im-common/mq"
)

func TestQueueArgs(t *testing.T) {
	tests := []struct {
		name string
		q    mq.Queue
		want amqp.Table
	}{
		{"bare", mq.Queue{Name: "q"}, amqp.Table{}},
		{
			"classic uplink shard: no broker delivery limit",
			mq.Queue{Type: mq.Classic, Durable: true, SingleActive: true, DeadLetter: true, DeliveryLimit: 10},
			amqp.Table{"x-queue-type": "classic", "x-single-active-consumer": true, "x-dead-letter-exchange": "dlx"},
		},
		{
			"quorum uplink shard",
			mq.Queue{Type: mq.Quorum, Durable: true, SingleActive: true, DeadLetter: true, DeliveryLimit: 10},
			amqp.Table{
				"x-queue-type": "quorum", "x-single-active-consumer": true, "x-dead-letter-exchange": "dlx",
				"x-delivery-limit": int64(10), "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish",
			},
		},
		{
			"quorum with max length keeps drop-head",
			mq.Queue{Type: mq.Quorum, DeadLetter: true, MaxLength: 5},
			amqp.Table{"x-queue-type": "quorum", "x-dead-letter-exchange": "dlx", "x-max-length": int64(5)},
		},
		{
			"downlink",
			mq.Queue{Type: mq.Classic, Expires: time.Minute, MaxLength: 100_000},
			amqp.Table{"x-queue-type": "classic", "x-expires": int64(60_000), "x-max-length": int64(100_000)},
		},
		{"sub-millisecond expiry rounds up", mq.Queue{Expires: time.Microsecond}, amqp.Table{"x-expires": int64(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := queueArgs(tt.q, "dlx")
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("queueArgs = %v, want %v", got, tt.want)
			}
			if err := got.Validate(); err != nil {
				t.Fatalf("table not encodable: %v", err)
			}
		})
	}
}

func TestQueueArgsOfContractTopologies(t *testing.T) {
	for _, topo := range []mq.Topology{mq.UplinkTopology(4, mq.Quorum), mq.StoreTopology(mq.Classic), mq.DownlinkTopology("b1")} {
		for _, q := range topo.Queues {
			if err := queueArgs(q, mq.ExchangeDead).Validate(); err != nil {
				t.Fatalf("queue %s: %v", q.Name, err)
			}
		}
	}
}

func TestExchangeKindDefaultsToDirect(t *testing.T) {
	if k := exchangeKind(mq.Exchange{Name: "x"}); k != "direct" {
		t.Fatalf("kind = %q", k)
	}
	if k := exchangeKind(mq.Exchange{Name: "x", Kind: "fanout"}); k != "fanout" {
		t.Fatalf("kind = %q", k)
	}
}

func TestUnionSkipsWhatIsKnown(t *testing.T) {
	a := mq.StoreTopology(mq.Classic)
	b := mq.UplinkTopology(2, mq.Classic) // shares the dead-letter exchange, queue and binding
	u := union(union(a, b), b)
	want := a.Merge(b)
	if len(u.Exchanges) != len(want.Exchanges)-1 || len(u.Queues) != len(want.Queues)-1 || len(u.Bindings) != len(want.Bindings)-1 {
		t.Fatalf("union = %d/%d/%d objects, want one shared object of each kind dropped from %d/%d/%d",
			len(u.Exchanges), len(u.Queues), len(u.Bindings), len(want.Exchanges), len(want.Queues), len(want.Bindings))
	}
	if len(a.Exchanges) != 2 {
		t.Fatalf("union modified its input: %v", a.Exchanges)
	}
}
