// Package inproc is the in-process queue: the queue ports of package mq
// (mq.Publisher, mq.Consumer, mq.BatchConsumer, mq.Caller, mq.Server,
// mq.Declarer) filled inside one process, for the standalone binary that
// runs gateway, domain and store together. It keeps the semantics the
// services rely on from RabbitMQ:
//
//   - routing by the mq topology: direct and fanout exchanges, bindings,
//     the default exchange "" to a queue by name (request/reply);
//   - per queue, delivery in publish order; on a SingleActive queue one
//     consumer at a time, the next taking over when it leaves;
//   - batches of up to MaxBatch, waiting MaxWait to fill;
//   - acks by mq.Decide: a delivery not acked (the consumer stopped, or its
//     handler failed) is delivered again, marked redelivered and, after a
//     failure, with its Attempt counted; after the delivery limit, or at
//     once for mq.ErrPermanent, it goes to the dead-letter exchange;
//   - message Expiration, queue MaxLength (oldest dropped) and Expires;
//   - durability: with WithDataFolder, a Persistent message published to a
//     durable (or quorum) queue is appended to one log file in the folder,
//     fsynced with group commit (publishes arriving during an fsync share
//     the next one), and Publish returns only after that fsync; acks and
//     dead-lettering append retiring records. Open replays the log, so
//     kill -9 loses no confirmed message; a torn last record is cut off.
//     The log is compacted (rewritten with only its live messages, then
//     renamed over the old one) once it doubled and is mostly history.
//     Queues that are not durable (a gateway's downlink, the login check)
//     live in memory only, as their RabbitMQ counterparts do.
//
// Declarations live in memory: every process declares its topology at
// start, as against RabbitMQ; messages restored from the log wait in
// their queue until it is declared and consumed.
//
// # Construction
//
//	b, err := inproc.Open(log, inproc.WithDataFolder(filepath.Join(dataDir, "queue")))
//	if err != nil { ... }               // unreadable or unwritable folder
//	defer b.Close()                     // flushes the log
//	err = b.Declare(ctx, mq.StoreTopology(mq.Classic))
//	err = b.Publish(ctx, mq.ExchangeStore, mq.KeyStoreMessages, mq.Publishing{Body: body, Persistent: true})
//	go b.ConsumeBatch(ctx, mq.QueueStoreMessages, mq.BatchOptions{}, handle)
//
// The same *Broker serves every service of the process; Ready backs
// /readyz (false once a log write failed, which stops durable publishes).
package inproc

import "github.com/whaleim/whaleim/im-common/mq"

// The queue ports the broker fills.
var (
	_ mq.Publisher     = (*Broker)(nil)
	_ mq.Consumer      = (*Broker)(nil)
	_ mq.BatchConsumer = (*Broker)(nil)
	_ mq.Server        = (*Broker)(nil)
	_ mq.Declarer      = (*Broker)(nil)
	_ mq.Caller        = (*Broker)(nil)
)
