// Package mq is the RabbitMQ contract between the gateway, the domain and the
// store: exchange, queue and binding names as data (Topology), routing rules,
// and the envelopes each queue carries (binary batches; the JSON of older
// nodes is still read). It imports no AMQP library; the rabbit package
// applies a Topology to a broker.
//
// Flows:
//
//	gateway --im.uplink (direct, key "shard.{k}")--> im.uplink.{k}      --> domain (single active consumer per shard)
//	domain  --im.downlink (direct, key brokerId)--> im.downlink.{brokerId} --> that gateway
//	domain  --im.store (direct, key "messages")--> im.store.messages   --> store
//	domain  --im.webhook (direct, key "events")--> im.webhook.events   --> domain (app back-end callbacks)
//	domain  --im.push (direct, key "offline")--> im.push.offline       --> domain (offline push)
//	any queue --dead letters--> im.dead (fanout) --> im.dead.letters
//
// Semantics: every flow is at-least-once. Consumers are idempotent and ack
// after their side effects commit. A message that cannot be decoded is
// rejected without requeue and lands in im.dead.letters; a message that keeps
// failing reaches the queue's delivery limit and lands there too. Uplink
// sharding by conversation plus single-active-consumer queues keep every
// conversation's messages in order across many domain nodes. Downlink queues
// expire with their gateway: push is best effort, sync is the guarantee.
//
// The envelopes are pinned by golden files in testdata (JSON shapes and
// binary batches); a change to the contract must show up in their diff.
package mq
