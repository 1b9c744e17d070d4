package message

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/mq"
)

// job is one send of a batch on its way through the pipeline.
type job struct {
	in  Send
	key SenderKey
	e   Entry
	// step is what is left to do; err the refusal a stepRefused job was
	// answered with.
	step step
	err  error
	// claimed: this attempt owns the dedup entry (won or took it over).
	claimed bool
	// dup is the earlier job of the same sender key in this batch: this
	// one gets the same answer and nothing else.
	dup *job
	// members of a group send, from the check (fan-out).
	members []string
}

// step is where a job is in the pipeline.
type step int

const (
	stepAdmit   step = iota // claimed fresh: checks, seq, persist, deliver
	stepPersist             // assigned by a dead attempt: persist, deliver
	stepAnswer              // done before: only the up-ACK again
	stepRefused             // refused: answered with the code
)

func (j *job) result() (payload.AckData, error) {
	if j.dup != nil {
		return j.dup.result()
	}
	if j.step == stepRefused {
		return payload.AckData{MessageID: j.in.Msg.MessageID}, j.err
	}
	return ackData(&j.in, &j.e), nil
}

func keysOf(jobs []*job) []SenderKey {
	out := make([]SenderKey, len(jobs))
	for i, j := range jobs {
		out[i] = j.key
	}
	return out
}

// filter returns the jobs at one of steps.
func filter(jobs []*job, steps ...step) []*job {
	var out []*job
	for _, j := range jobs {
		for _, st := range steps {
			if j.step == st {
				out = append(out, j)
				break
			}
		}
	}
	return out
}

// sendAll runs the send pipeline on a batch, every stage once for all its
// messages: validate; claim (one Redis round trip) and, at the same time,
// the MySQL guard (one query); checks (caches); seqs (one round trip);
// assigned entries and recent identities (one round trip each,
// concurrently); ONE confirmed store publish, while the presence of the
// parties is looked up (prefetchPresence); then the answers and the
// fan-out go to o in batch order, while the done entries are saved (one
// round trip): the returned settle waits for that save. A transient failure
// returns an error: nothing was answered, the claims are given up, the
// caller retries.
func (s *Service) sendAll(ctx context.Context, o *outbox, ins []Send) (jobs []*job, settle func(), err error) {
	jobs, live := s.prepare(ins)
	stored, err := s.claimAndGuard(ctx, live)
	if err == nil {
		err = s.admitAll(ctx, filter(live, stepAdmit), stored)
	}
	if err == nil {
		if ps := filter(live, stepAdmit, stepPersist); len(ps) > 0 {
			o.early = s.prefetchPresence(ctx, ps)
		}
		err = s.persistAll(ctx, live)
	}
	if err != nil {
		s.abandon(ctx, live)
		return nil, nil, err
	}
	settle = s.saveDone(ctx, live)
	s.answer(ctx, o, jobs)
	return jobs, settle, nil
}

// claimAndGuard claims the live jobs' keys and, concurrently, asks MySQL
// which of them it already has (the final guard, for a Redis entry that
// expired or was flushed): two round trips in the time of one.
func (s *Service) claimAndGuard(ctx context.Context, live []*job) (map[SenderKey]mq.Message, error) {
	if len(live) == 0 {
		return nil, nil
	}
	var stored map[SenderKey]mq.Message
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.timed(StageDedup, func() error { return s.claimAll(gctx, live) }) })
	g.Go(func() error {
		return s.timed(StageGuard, func() (err error) {
			stored, err = s.d.Store.StoredAll(gctx, keysOf(live))
			return err
		})
	})
	return stored, g.Wait()
}

// prepare validates every send and links duplicates within the batch to
// their first occurrence; it returns all jobs and the ones to process.
func (s *Service) prepare(ins []Send) (jobs, live []*job) {
	seen := make(map[SenderKey]*job, len(ins))
	jobs = make([]*job, len(ins))
	for i, in := range ins {
		j := &job{in: in, key: SenderKey{AppID: in.AppID, FromID: in.FromID, MessageID: in.Msg.MessageID}}
		jobs[i] = j
		if err := validate(&j.in); err != nil {
			j.step, j.err = stepRefused, err
			continue
		}
		if first, ok := seen[j.key]; ok {
			j.dup = first
			continue
		}
		seen[j.key] = j
		live = append(live, j)
	}
	return jobs, live
}

// admitAll applies the final dedup guard's answer and the checks, then
// assigns seqs and keys to the admitted jobs.
func (s *Service) admitAll(ctx context.Context, jobs []*job, stored map[SenderKey]mq.Message) error {
	if len(jobs) == 0 {
		return nil
	}
	s.storedGuard(jobs, stored)
	if err := s.timed(StageChecks, func() error { return s.checkAll(ctx, filter(jobs, stepAdmit)) }); err != nil {
		return err
	}
	return s.timed(StageSeq, func() error { return s.assignAll(ctx, filter(jobs, stepAdmit)) })
}

// storedGuard answers the jobs whose message MySQL already has (the Redis
// entry expired or was flushed) with the stored seq, key and time.
func (s *Service) storedGuard(jobs []*job, stored map[SenderKey]mq.Message) {
	for _, j := range jobs {
		if m, ok := stored[j.key]; ok {
			j.e = Entry{State: Done, At: s.now().UnixMilli(), Seq: m.Seq, Key: m.MessageKey, Time: m.Time}
			j.step = stepAnswer
		}
	}
}

// checkAll applies the send rules and the app's before-callback; refused
// jobs are answered later and their claims released now, so a resend is
// judged again. The checks answer from caches; the few that miss (a
// relation expired, a new user) wait on MySQL or a webhook, so up to
// checkWorkers jobs are checked at once and those waits overlap.
func (s *Service) checkAll(ctx context.Context, jobs []*job) error {
	errs := make([]error, len(jobs))
	var next atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	for range min(len(jobs), checkWorkers) {
		g.Go(func() error {
			for i := int(next.Add(1)) - 1; i < len(jobs) && gctx.Err() == nil; i = int(next.Add(1)) - 1 {
				j := jobs[i]
				members, err := s.check(gctx, &j.in)
				if err == nil {
					err = s.vetoSend(gctx, &j.in)
				}
				if err != nil && !refusal(err) {
					return err
				}
				j.members, errs[i] = members, err
			}
			return gctx.Err()
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	var refused []*job
	for i, j := range jobs {
		if errs[i] != nil {
			j.step, j.err = stepRefused, errs[i]
			refused = append(refused, j)
		}
	}
	if len(refused) > 0 {
		if err := s.d.Dedup.ReleaseAll(ctx, keysOf(refused)); err != nil {
			s.log.WarnContext(ctx, "dedup release failed", "err", err)
		}
	}
	return nil
}

// checkWorkers bounds the send checks of a batch that run at once.
const checkWorkers = 16

// assignAll gives every job its seq (one request per conversation, in
// batch order) and key.
func (s *Service) assignAll(ctx context.Context, jobs []*job) error {
	if len(jobs) == 0 {
		return nil
	}
	if err := s.touchAll(ctx, jobs); err != nil {
		return err
	}
	type convKey struct {
		app  uint32
		conv string
	}
	index := map[convKey]int{}
	var reqs []SeqRequest
	for _, j := range jobs {
		k := convKey{j.in.AppID, j.in.conversation()}
		i, ok := index[k]
		if !ok {
			i = len(reqs)
			index[k] = i
			reqs = append(reqs, SeqRequest{AppID: k.app, Conversation: k.conv})
		}
		reqs[i].N++
	}
	firsts, err := s.d.Seqs.NextAll(ctx, reqs)
	if err != nil {
		return err
	}
	now := s.now().UnixMilli()
	for _, j := range jobs {
		i := index[convKey{j.in.AppID, j.in.conversation()}]
		key, err := s.d.Keys.Next(ctx)
		if err != nil {
			return err
		}
		j.e = Entry{State: Assigned, At: now, Seq: firsts[i], Key: key, Time: now}
		firsts[i]++
	}
	return nil
}

// persistAll makes the admitted and taken-over jobs durable: their
// assigned entries and recent identities, then one confirmed store publish.
func (s *Service) persistAll(ctx context.Context, live []*job) error {
	ps := filter(live, stepAdmit, stepPersist)
	if len(ps) == 0 {
		return nil
	}
	if err := s.timed(StageRemember, func() error { return s.remember(ctx, ps) }); err != nil {
		return err
	}
	if err := s.timed(StageStorePublish, func() error { return s.publishStore(ctx, ps) }); err != nil {
		return err
	}
	s.d.Observer.Batch(BatchStoreRecords, len(ps))
	return nil
}

// saveDone marks the claimed jobs done (with those the MySQL guard found)
// in the background and returns the wait for it. It is off the path to the
// up-ACK: the messages are durable already, and an entry left Assigned
// (the save failed, or the node died first) only makes a late resend take
// the message over after TakeOver, republishing the same seq and key,
// which the store and the clients drop as duplicates.
func (s *Service) saveDone(ctx context.Context, live []*job) (settle func()) {
	var done []*job
	for _, j := range live {
		if j.claimed && j.step != stepRefused {
			j.e.State, j.e.At = Done, s.now().UnixMilli()
			done = append(done, j)
		}
	}
	if len(done) == 0 {
		return func() {}
	}
	keys, entries := keysOf(done), entriesOf(done)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		err := s.timed(StageDedupDone, func() error { return s.d.Dedup.SaveAll(ctx, keys, entries) })
		if err != nil {
			s.log.WarnContext(ctx, "dedup done entries not saved; a resend takes them over later", "messages", len(keys), "err", err)
		}
	}()
	return func() { <-finished }
}

func entriesOf(jobs []*job) []Entry {
	out := make([]Entry, len(jobs))
	for i, j := range jobs {
		out[i] = j.e
	}
	return out
}

// remember saves the assigned entries (a redelivery reuses their seq and
// key) and the messages' identities (Recent) at once.
func (s *Service) remember(ctx context.Context, jobs []*job) error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.d.Dedup.SaveAll(gctx, keysOf(jobs), entriesOf(jobs)) })
	if s.d.Recent != nil {
		ids := make([]mq.Message, len(jobs))
		for i, j := range jobs {
			ids[i] = record(&j.in, &j.e)
			ids[i].Body, ids[i].Extra = "", ""
		}
		g.Go(func() error {
			if err := s.d.Recent.RememberAll(gctx, ids); err != nil {
				return fmt.Errorf("message: remember: %w", err)
			}
			return nil
		})
	}
	return g.Wait()
}

// publishStore publishes the jobs' store records as one StoreBatch and
// waits for the confirm: the durability point of every message in it.
func (s *Service) publishStore(ctx context.Context, jobs []*job) error {
	recs := make([]mq.StoreRecord, len(jobs))
	for i, j := range jobs {
		recs[i] = mq.StoreRecord{Version: mq.Version, Op: mq.OpInsert, Message: record(&j.in, &j.e)}
	}
	body := mq.AppendStoreRecords(nil, recs)
	if err := s.d.StorePub.Publish(ctx, mq.ExchangeStore, mq.KeyStoreMessages, body); err != nil {
		return fmt.Errorf("message: store publish: %w", err)
	}
	return nil
}

// abandon gives up the claims of a failed batch, so its redelivery is not
// kept waiting for a dead attempt: a pending claim is released, an
// assigned entry is aged so the redelivery takes it over at once (reusing
// its seq and key). Best effort: otherwise TakeOver applies.
func (s *Service) abandon(ctx context.Context, live []*job) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	var release, age []*job
	for _, j := range live {
		switch {
		case !j.claimed || j.step == stepRefused:
		case j.e.State == Assigned:
			j.e.At = 0
			age = append(age, j)
		default:
			release = append(release, j)
		}
	}
	if len(release) > 0 {
		if err := s.d.Dedup.ReleaseAll(ctx, keysOf(release)); err != nil {
			s.log.WarnContext(ctx, "dedup release after failure", "err", err)
		}
	}
	if len(age) > 0 {
		if err := s.d.Dedup.SaveAll(ctx, keysOf(age), entriesOf(age)); err != nil {
			s.log.WarnContext(ctx, "dedup give-up after failure", "err", err)
		}
	}
}

// answer queues, in batch order, each job's up-ACK and, for a new
// message, its fan-out; then it tells conversations and callbacks.
func (s *Service) answer(ctx context.Context, o *outbox, jobs []*job) {
	for _, j := range jobs {
		src := j
		if j.dup != nil {
			src = j.dup
		}
		switch src.step {
		case stepRefused:
			s.upAck(o, &j.in, nil, src.err)
		case stepAnswer:
			s.upAck(o, &j.in, &src.e, nil)
		default:
			s.upAck(o, &j.in, &src.e, nil)
			if j.dup == nil {
				s.deliver(ctx, o, j)
			}
		}
	}
}

// touchAll records the participants of the batch's 1:1 conversations before
// their first seq (the Store answers from memory once it knows them).
func (s *Service) touchAll(ctx context.Context, jobs []*job) error {
	for _, j := range jobs {
		if j.in.Group {
			continue
		}
		if err := s.d.Store.Touch(ctx, j.in.AppID, j.in.conversation(), j.in.FromID, j.in.Msg.ToID); err != nil {
			return err
		}
	}
	return nil
}
