package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
)

// Queue is the message queue behind the gateway, in the words of the
// queue ports (package mq): uplinks are published with confirms, this
// node's downlink queue is consumed, and every login asks the domain over
// request/reply. rabbit.Ports in im-tcp's main, inproc.Broker in the
// standalone binary. Deps.Queue fills the Publisher, Subscriber and Users
// ports a Deps leaves nil. Whoever builds it declares the gateway's
// topology first: mq.UplinkTopology (same shard count as the domain) and
// mq.DownlinkTopology(BrokerID).
type Queue interface {
	mq.Publisher
	mq.BatchConsumer
	mq.Caller
}

// withQueue fills the queue-backed ports d leaves nil from d.Queue.
func (d Deps) withQueue(cfg Config) Deps {
	if d.Queue == nil {
		return d
	}
	if d.Publisher == nil {
		d.Publisher = queuePublisher{d.Queue}
	}
	if d.Subscriber == nil {
		d.Subscriber = queueSubscriber{q: d.Queue, batch: cfg.DownlinkBatch}
	}
	if d.Users == nil {
		d.Users = queueUsers{q: d.Queue, timeout: cfg.LoginCheckTimeout}
	}
	return d
}

// queuePublisher publishes transient messages with confirms: nil means the
// queue holds the message. Nothing the gateway publishes has to outlive a
// broker restart: an uplink lost with the broker was never up-ACKed (the
// domain up-ACKs after the store record is durable), so the client sends it
// again; a lost receive-ACK or read is covered by the next one (cursors
// move forward only); a kick goes to a gateway's downlink queue, which is
// not durable anyway. So the
// uplink shard queues cost no disk write per batch (on classic queues;
// quorum queues keep every message).
type queuePublisher struct{ q mq.Publisher }

func (p queuePublisher) Publish(ctx context.Context, exchange, key string, body []byte) error {
	return p.q.Publish(ctx, exchange, key, mq.Publishing{Body: body, ContentType: "application/json"})
}

// queueSubscriber consumes one queue in batches of what is waiting, up to
// batch deliveries, acked together. The queue sends 2 x batch ahead, so
// the next batch is waiting while one is handled.
type queueSubscriber struct {
	q     mq.BatchConsumer
	batch int
}

func (s queueSubscriber) Consume(ctx context.Context, queue string, handle func(context.Context, [][]byte) error) error {
	opts := mq.BatchOptions{MaxBatch: s.batch, MaxWait: -1} // pushes wait for nothing
	return s.q.ConsumeBatch(ctx, queue, opts, func(ctx context.Context, ds []mq.Delivery) error {
		bodies := make([][]byte, len(ds))
		for i := range ds {
			bodies[i] = ds[i].Body
		}
		return handle(ctx, bodies)
	})
}

// queueUsers asks the domain whether a user may log in, over mq.QueueAuth.
type queueUsers struct {
	q       mq.Caller
	timeout time.Duration // how long a login waits for the answer
}

// CanLogin implements Users. No answer (no domain node up, a slow one, the
// queue down) refuses with the retryable 9001.
func (u queueUsers) CanLogin(ctx context.Context, appID uint32, userID string) error {
	ctx, cancel := context.WithTimeout(ctx, u.timeout)
	defer cancel()
	body, err := json.Marshal(mq.AuthRequest{Version: mq.Version, AppID: appID, UserID: userID})
	if err != nil {
		return fmt.Errorf("%w: %w", errcode.Internal, err)
	}
	out, err := u.q.Call(ctx, mq.QueueAuth, body)
	if err != nil {
		return fmt.Errorf("%w: login check: %w", errcode.Unavailable, err)
	}
	var r mq.AuthReply
	if err := json.Unmarshal(out, &r); err != nil || r.Version != mq.Version {
		return fmt.Errorf("%w: undecodable login check reply %q", errcode.Unavailable, out)
	}
	return verdict(errcode.Code(r.Code))
}

// verdict turns a reply code into CanLogin's result; a code the gateway
// does not know refuses as retryable rather than allowing.
func verdict(c errcode.Code) error {
	if c == errcode.Success.Code {
		return nil
	}
	if e, ok := errcode.Lookup(c); ok {
		return e
	}
	return errcode.Unavailable.With("unknown login check code " + strconv.Itoa(int(c)))
}
