// Package gateway is the client edge of the platform: it accepts TCP and
// WebSocket connections that speak the 28-byte-header protocol (im-codec),
// authenticates them with a userSign, records device sessions, applies the
// app's multi-device policy, publishes routed uplink commands to the sharded
// im.uplink exchange and writes pushes from its own im.downlink queue to the
// devices connected here.
//
// # Connections
//
// Every connection has exactly one reader goroutine. Writes go through a
// bounded per-connection queue drained by a writer goroutine that exists
// only while the queue is non-empty. Between frames the reader waits in a
// plain socket read, so its stack shrinks to 4 KiB, and a TCP connection
// returns its frame reader to a pool (idle.go): an idle logged-in
// connection costs about 5.3 KB on TCP and 6.6 KB on WebSocket
// (scripts/memconn.sh). Heartbeat and login deadlines are enforced by one
// sweeper for all connections instead of per-connection timers.
//
// # Back-pressure
//
// A client that sends faster than it may is slowed down, not refused or
// dropped: over its send budget (or its control budget, for receive-ACKs,
// reads and pings) the read loop waits for a token, and while the write
// queue holds WriteQueue frames it waits for the writer; meanwhile it does
// not read the socket, so TCP flow control holds the client back. Frames
// that answer the client are therefore never dropped, and every frame gets
// exactly one answer. Only a client that stops reading is disconnected
// (errcode.SlowConsumer): a push finding a full queue while the writer has
// been stuck in one write, or a queue at its hard bound.
//
// # Uplink batches
//
// Routed uplinks are not published one by one: the coalescer collects each
// shard's sends and recalls for a linger (1 ms) or up to a batch size and
// publishes them as one mq.UplinkBatch, transient (see queuePublisher),
// mandatory and confirmed. Each shard publishes its batches one after the
// other, so order holds per connection and per shard; the read loop never
// waits for a confirm. Receive-ACKs and reads, whose order does not matter,
// share one lane for the whole gateway that lingers longer
// (IM_UPLINK_CONTROL_LINGER) and goes to the shards in turn. A
// batch that is nacked, returned or not confirmed in time answers every
// uplink in it with a retryable refusal (Unavailable or Timeout).
//
// # Identity
//
// Uplinks are attributed to the logged-in device (appId, userId,
// clientType, imei) of the connection: a body fromId that differs is
// refused, and the header appId must equal the session's.
//
// # Sessions and the app cache
//
// Sessions live in Redis (session.Key, field device.ID.Field) with a hash
// TTL refreshed by pings, at most every third of the TTL per connection so
// that frequent pings do not each cost a Redis write. A session is deleted
// on logout and on disconnect only while it still belongs to this
// connection (same brokerId and loginTime), so a device that reconnected
// elsewhere keeps its newer session. App secrets and policies are read
// from the app hash written by the domain (session.AppKey) and cached here
// for AppCacheTTL (10 s by default): a changed secret or policy takes
// effect within that time, and an unknown app is re-read on every login
// attempt.
//
// The gateway reaches Redis, RabbitMQ and ZooKeeper only through the small
// ports in ports.go, so an embedding binary can supply in-process stand-ins.
package gateway
