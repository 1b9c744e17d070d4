package store

import "github.com/whaleim/whaleim/im-common/mq"

// names are the broker objects the store uses: mq.StoreTopology with every
// exchange and queue name prefixed by IM_MQ_PREFIX.
type names struct {
	topology  mq.Topology
	exchange  string // where the domain publishes records
	queue     string // what the store consumes
	dead      string // the dead-letter exchange
	deadQueue string // where dead letters wait for an operator
}

func newNames(prefix string, qt mq.QueueType) names {
	t := mq.StoreTopology(qt)
	var p mq.Topology
	for _, e := range t.Exchanges {
		e.Name = prefix + e.Name
		p.Exchanges = append(p.Exchanges, e)
	}
	for _, q := range t.Queues {
		q.Name = prefix + q.Name
		p.Queues = append(p.Queues, q)
	}
	for _, b := range t.Bindings {
		b.Queue, b.Exchange = prefix+b.Queue, prefix+b.Exchange
		p.Bindings = append(p.Bindings, b)
	}
	return names{
		topology:  p,
		exchange:  prefix + mq.ExchangeStore,
		queue:     prefix + mq.QueueStoreMessages,
		dead:      prefix + mq.ExchangeDead,
		deadQueue: prefix + mq.QueueDeadLetters,
	}
}

// Topology is what the store's queue must have declared: mq.StoreTopology
// of cfg's queue type with every name prefixed by IM_MQ_PREFIX; deadLetter
// is the (prefixed) exchange its queues dead-letter to, which a RabbitMQ
// connection is given with rabbit.WithDeadLetterExchange.
func Topology(cfg Config) (t mq.Topology, deadLetter string) {
	n := newNames(cfg.MQPrefix, cfg.Rabbit.QueueType)
	return n.topology, n.dead
}
