package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/whaleim/whaleim/im-common/backoff"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/rabbit"
)

// writer persists a batch of records in one transaction; *mysqlWriter is the real
// one.
type writer interface {
	Write(ctx context.Context, recs []mq.StoreRecord) (result, error)
}

// publisher sends a dead letter; *rabbit.Publisher is the real one.
type publisher interface {
	Publish(ctx context.Context, exchange, key string, msg rabbit.Message) error
}

// Dead-letter headers the store adds to a refused record, so an operator
// sees why it was refused without reading the store's logs.
const (
	HeaderReason = "x-im-store-reason"
	HeaderQueue  = "x-im-store-queue"
)

// consumer is the ConsumeBatch handler. It acks a batch (by returning nil)
// only after the batch's transaction committed and every refused record was
// confirmed in the dead-letter queue; any other outcome hands the whole
// batch back to the broker.
type consumer struct {
	w      writer
	dead   publisher
	names  names
	budget time.Duration // in-process retries of one batch
	log    *slog.Logger
	m      *metrics
}

// handle stores one batch. Records that can never be stored (undecodable,
// unknown version or op, invalid, conflicting) are dead-lettered one by one
// instead of failing the batch.
func (c *consumer) handle(ctx context.Context, batch []rabbit.Delivery) error {
	var recs []mq.StoreRecord
	var from []int // from[i] is the delivery of recs[i]
	var refused []refusal
	for i, d := range batch {
		r, err := decode(d.Body)
		if err != nil {
			refused = append(refused, refusal{index: i, err: err})
			continue
		}
		recs, from = append(recs, r), append(from, i)
	}
	res, err := c.write(ctx, recs)
	if err != nil {
		c.m.batches.WithLabelValues("failed").Inc()
		return err
	}
	for _, f := range res.Refused {
		refused = append(refused, refusal{index: from[f.index], err: f.err})
	}
	if err := c.deadLetter(ctx, batch, refused); err != nil {
		c.m.batches.WithLabelValues("failed").Inc()
		return err
	}
	c.m.record(res)
	return nil
}

// write stores recs, retrying database errors in process until the budget
// is spent. When the database refuses a record's values, the batch is
// split so that only that record is refused.
func (c *consumer) write(ctx context.Context, recs []mq.StoreRecord) (result, error) {
	if len(recs) == 0 {
		return result{}, nil
	}
	res, err := c.retry(ctx, recs)
	if err == nil || !isDataError(err) {
		return res, err
	}
	if len(recs) == 1 {
		return result{Refused: []refusal{{index: 0, err: &refusalError{kind: kindData, err: err}}}}, nil
	}
	c.log.Warn("store: database refused a batch's values, writing records one by one", "size", len(recs), "err", err)
	return c.isolate(ctx, recs)
}

func (c *consumer) isolate(ctx context.Context, recs []mq.StoreRecord) (result, error) {
	var sum result
	for i := range recs {
		res, err := c.write(ctx, recs[i:i+1])
		if err != nil {
			return result{}, err
		}
		sum.Inserted += res.Inserted
		sum.Duplicates += res.Duplicates
		sum.Recalled += res.Recalled
		for _, f := range res.Refused {
			sum.Refused = append(sum.Refused, refusal{index: i, err: f.err})
		}
	}
	return sum, nil
}

// retry writes recs until it succeeds, the database refuses the values, ctx
// ends or the budget is spent. Retrying here instead of nacking keeps a
// database outage from counting against the records' delivery limit.
func (c *consumer) retry(ctx context.Context, recs []mq.StoreRecord) (result, error) {
	deadline := time.Now().Add(c.budget)
	for attempt := 0; ; attempt++ {
		start := time.Now()
		res, err := c.w.Write(ctx, recs)
		if err == nil {
			c.m.commit.Observe(time.Since(start).Seconds())
			return res, nil
		}
		pause := retryPause(attempt)
		if isDataError(err) || ctx.Err() != nil || time.Now().Add(pause).After(deadline) {
			return result{}, err
		}
		c.m.retries.Inc()
		if attempt == 0 {
			c.log.Warn("store: write failed, retrying in process", "size", len(recs), "budget", c.budget, "err", err)
		}
		if backoff.Sleep(ctx, pause) != nil {
			return result{}, err
		}
	}
}

// deadLetter publishes each refused delivery, as it arrived plus the
// reason, to the dead-letter exchange and waits for the broker's confirm.
// ConsumeBatch can only settle a batch as a whole, so the store routes
// single records there itself.
func (c *consumer) deadLetter(ctx context.Context, batch []rabbit.Delivery, refused []refusal) error {
	for _, f := range refused {
		d := batch[f.index]
		headers := make(map[string]any, len(d.Headers)+2)
		for k, v := range d.Headers {
			headers[k] = v
		}
		headers[HeaderReason] = f.err.Error()
		headers[HeaderQueue] = c.names.queue
		err := c.dead.Publish(ctx, c.names.dead, "", rabbit.Message{
			Body: d.Body, ContentType: d.ContentType, MessageID: d.MessageID, Type: d.Type,
			Headers: headers, Persistent: true,
		})
		if err != nil {
			return fmt.Errorf("store: dead-letter refused record: %w", err)
		}
		c.m.dead.WithLabelValues(refusalKind(f.err)).Inc()
		c.log.Error("store: record refused, dead-lettered", "message_id", d.MessageID, "reason", f.err)
	}
	return nil
}

func refusalKind(err error) string {
	var r *refusalError
	if errors.As(err, &r) {
		return r.kind
	}
	return kindInvalid
}

// retryPause is the pause before in-process retry attempt+1: 50ms doubling
// to 5s, jittered so that restarted stores do not retry in lockstep.
func retryPause(attempt int) time.Duration {
	return backoff.Delay(attempt, 50*time.Millisecond, 5*time.Second)
}
