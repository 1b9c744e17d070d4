package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/whaleim/whaleim/im-common/backoff"
	"github.com/whaleim/whaleim/im-common/mq"
)

// writer persists a batch of records in one transaction; *mysqlWriter is the real
// one.
type writer interface {
	Write(ctx context.Context, recs []mq.StoreRecord) (result, error)
}

// publisher sends a dead letter (an mq.Publisher).
type publisher interface {
	Publish(ctx context.Context, exchange, key string, msg mq.Publishing) error
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

// handle stores one consumer batch: the records of all its deliveries,
// each a mq.StoreBatch or a single record, in one transaction. Records that
// can never be stored (undecodable, unknown version or op, invalid,
// conflicting) are dead-lettered one by one instead of failing the batch.
func (c *consumer) handle(ctx context.Context, batch []mq.Delivery) error {
	u := unpack(batch)
	c.m.records.Observe(float64(len(u.recs)))
	res, err := c.write(ctx, u.recs)
	if err != nil {
		c.m.batches.WithLabelValues("failed").Inc()
		return err
	}
	for _, f := range res.Refused {
		u.letters = append(u.letters, u.refused(f.index, f.err))
	}
	if err := c.deadLetter(ctx, batch, u.letters); err != nil {
		c.m.batches.WithLabelValues("failed").Inc()
		return err
	}
	c.m.record(res)
	return nil
}

// unpacked is a consumer batch taken apart: the records to write, in
// queue order (a StoreBatch keeps its producer's order), and the dead
// letters found while decoding.
type unpacked struct {
	recs    []mq.StoreRecord
	from    []int  // from[i] is the delivery of recs[i]
	alone   []bool // alone[i]: recs[i] is its delivery's only record
	letters []letter
}

func unpack(batch []mq.Delivery) unpacked {
	var u unpacked
	for i, d := range batch {
		recs, err := decode(d.Body)
		if err != nil {
			u.letters = append(u.letters, letter{from: i, err: err})
			continue
		}
		for _, r := range recs {
			alone := len(recs) == 1
			if err := check(r); err != nil {
				u.letters = append(u.letters, letterOf(i, r, alone, err))
				continue
			}
			u.recs, u.from, u.alone = append(u.recs, r), append(u.from, i), append(u.alone, alone)
		}
	}
	return u
}

// refused is the dead letter of u.recs[i].
func (u *unpacked) refused(i int, err error) letter {
	return letterOf(u.from[i], u.recs[i], u.alone[i], err)
}

// letterOf is the dead letter of record r of delivery from. A record that
// came alone goes out as its delivery arrived; one record of a StoreBatch
// goes out alone, re-encoded as a batch of one, so the rest of its batch
// is stored and an operator replays only the refused one.
func letterOf(from int, r mq.StoreRecord, alone bool, err error) letter {
	if alone {
		return letter{from: from, err: err}
	}
	body := mq.AppendStoreRecords(nil, []mq.StoreRecord{r})
	return letter{from: from, body: body, id: r.Message.MessageID, err: err}
}

// letter is one dead letter: delivery from of the batch, or only one of its
// records when body is set.
type letter struct {
	from int
	body []byte // nil: the delivery's own body
	id   string // message id of body
	err  error
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
		sum.Edited += res.Edited
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

// deadLetter publishes each letter, as its delivery arrived (or its one
// refused record) plus the reason, to the dead-letter exchange and waits
// for the broker's confirm. ConsumeBatch can only settle a batch as a
// whole, so the store routes single records there itself.
func (c *consumer) deadLetter(ctx context.Context, batch []mq.Delivery, letters []letter) error {
	for _, f := range letters {
		d := batch[f.from]
		headers := make(map[string]any, len(d.Headers)+2)
		for k, v := range d.Headers {
			headers[k] = v
		}
		headers[HeaderReason] = f.err.Error()
		headers[HeaderQueue] = c.names.queue
		msg := mq.Publishing{
			Body: d.Body, ContentType: d.ContentType, MessageID: d.MessageID, Type: d.Type,
			Headers: headers, Persistent: true,
		}
		if f.body != nil {
			msg.Body, msg.MessageID = f.body, f.id
		}
		if err := c.dead.Publish(ctx, c.names.dead, "", msg); err != nil {
			return fmt.Errorf("store: dead-letter refused record: %w", err)
		}
		c.m.dead.WithLabelValues(refusalKind(f.err)).Inc()
		c.log.Error("store: record refused, dead-lettered", "message_id", msg.MessageID, "reason", f.err)
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
