package mq

import (
	"hash/fnv"
	"strconv"
	"time"
)

// Exchange and queue names of the contract.
const (
	ExchangeUplink   = "im.uplink"
	ExchangeDownlink = "im.downlink"
	ExchangeStore    = "im.store"
	ExchangeDead     = "im.dead"

	QueueStoreMessages = "im.store.messages"
	QueueDeadLetters   = "im.dead.letters"

	// KeyStoreMessages routes message records to the store.
	KeyStoreMessages = "messages"
)

// QueueType selects the RabbitMQ queue implementation for durable queues.
type QueueType string

// Queue types: classic for development, quorum for production.
const (
	Classic QueueType = "classic"
	Quorum  QueueType = "quorum"
)

// Valid reports whether q is a known queue type.
func (q QueueType) Valid() bool { return q == Classic || q == Quorum }

// Exchange declares one exchange.
type Exchange struct {
	Name string
	Kind string // "direct" or "fanout"
}

// Queue declares one queue. Zero fields mean "broker default".
type Queue struct {
	Name      string
	Type      QueueType
	Durable   bool
	Exclusive bool
	// SingleActive makes the broker deliver to one consumer at a time and
	// fail over to the next when it goes away, which preserves order.
	SingleActive bool
	// Expires deletes the queue after it has had no consumer this long.
	Expires time.Duration
	// DeadLetter routes rejected and over-limit messages to ExchangeDead.
	DeadLetter bool
	// DeliveryLimit is the number of deliveries after which a quorum queue
	// dead-letters a message (classic queues rely on the consumer counting
	// x-death or redeliveries instead).
	DeliveryLimit int
	// MaxLength bounds the queue; the oldest messages are dropped first.
	MaxLength int
}

// Binding binds a queue to an exchange with a routing key.
type Binding struct {
	Queue, Exchange, Key string
}

// Topology is the set of objects one process declares on start and after
// every reconnect. Declaring is idempotent as long as arguments match.
type Topology struct {
	Exchanges []Exchange
	Queues    []Queue
	Bindings  []Binding
}

// Merge returns t followed by the objects of o.
func (t Topology) Merge(o Topology) Topology {
	return Topology{
		Exchanges: append(append([]Exchange(nil), t.Exchanges...), o.Exchanges...),
		Queues:    append(append([]Queue(nil), t.Queues...), o.Queues...),
		Bindings:  append(append([]Binding(nil), t.Bindings...), o.Bindings...),
	}
}

// DefaultDeliveryLimit is how many times a message is delivered before it is
// dead-lettered as poison.
const DefaultDeliveryLimit = 10

func deadLetters() Topology {
	return Topology{
		Exchanges: []Exchange{{Name: ExchangeDead, Kind: "fanout"}},
		Queues:    []Queue{{Name: QueueDeadLetters, Type: Classic, Durable: true}},
		Bindings:  []Binding{{Queue: QueueDeadLetters, Exchange: ExchangeDead}},
	}
}

// UplinkQueue is the name of uplink shard k.
func UplinkQueue(k int) string { return ExchangeUplink + "." + strconv.Itoa(k) }

// UplinkKey is the routing key of uplink shard k.
func UplinkKey(k int) string { return "shard." + strconv.Itoa(k) }

// Shard maps a conversation of an app onto one of n uplink shards, so every
// message of a conversation goes through one queue. FNV-1a alone leaves
// similar ids (sequential numbers, one differing digit) on a few shards
// modulo small n; the 64-bit finalizer of MurmurHash3 mixes every input bit
// into the low bits first.
func Shard(appID uint32, conversation string, n int) int {
	if n <= 1 {
		return 0
	}
	h := fnv.New64a()
	var b [4]byte
	b[0], b[1], b[2], b[3] = byte(appID>>24), byte(appID>>16), byte(appID>>8), byte(appID)
	h.Write(b[:])
	h.Write([]byte(conversation))
	return int(mix64(h.Sum64()) % uint64(n))
}

// mix64 is MurmurHash3's fmix64.
func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// UplinkTopology is the topology of the uplink flow with n shards: what both the
// gateway (publisher, which needs the bindings for mandatory routing) and the
// domain (consumer) declare.
func UplinkTopology(shards int, qt QueueType) Topology {
	t := Topology{Exchanges: []Exchange{{Name: ExchangeUplink, Kind: "direct"}}}
	for k := range shards {
		t.Queues = append(t.Queues, Queue{
			Name: UplinkQueue(k), Type: qt, Durable: true, SingleActive: true,
			DeadLetter: true, DeliveryLimit: DefaultDeliveryLimit,
		})
		t.Bindings = append(t.Bindings, Binding{Queue: UplinkQueue(k), Exchange: ExchangeUplink, Key: UplinkKey(k)})
	}
	return deadLetters().Merge(t)
}

// DownlinkQueue is the queue of gateway brokerID.
func DownlinkQueue(brokerID string) string { return ExchangeDownlink + "." + brokerID }

// DownlinkExchange is what the domain declares to publish pushes.
func DownlinkExchange() Topology {
	return Topology{Exchanges: []Exchange{{Name: ExchangeDownlink, Kind: "direct"}}}
}

// DownlinkExpiry is how long a gateway's queue outlives its gateway.
const DownlinkExpiry = time.Minute

// DownlinkTopology is the topology one gateway declares for its own push queue. The
// queue is classic and non-durable on purpose: pushes are best effort and the
// queue disappears shortly after its gateway.
func DownlinkTopology(brokerID string) Topology {
	q := DownlinkQueue(brokerID)
	return DownlinkExchange().Merge(Topology{
		Queues:   []Queue{{Name: q, Type: Classic, Expires: DownlinkExpiry, MaxLength: 100_000}},
		Bindings: []Binding{{Queue: q, Exchange: ExchangeDownlink, Key: brokerID}},
	})
}

// StoreTopology is the topology of the store flow.
func StoreTopology(qt QueueType) Topology {
	return durableFlow(ExchangeStore, QueueStoreMessages, KeyStoreMessages, qt)
}

// durableFlow is a direct exchange routing key to one durable queue of
// competing consumers that dead-letters after DefaultDeliveryLimit.
func durableFlow(exchange, queue, key string, qt QueueType) Topology {
	return deadLetters().Merge(Topology{
		Exchanges: []Exchange{{Name: exchange, Kind: "direct"}},
		Queues: []Queue{{
			Name: queue, Type: qt, Durable: true,
			DeadLetter: true, DeliveryLimit: DefaultDeliveryLimit,
		}},
		Bindings: []Binding{{Queue: queue, Exchange: exchange, Key: key}},
	})
}
