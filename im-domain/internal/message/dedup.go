package message

import (
	"context"
	"time"

	"github.com/whaleim/whaleim/im-common/errcode"
)

// claimAll claims the keys of the batch's live jobs in one round trip. A
// won claim is a fresh send; a key held by another attempt is settled one
// by one (rare: a resend racing its first attempt, or a redelivery).
func (s *Service) claimAll(ctx context.Context, live []*job) error {
	if len(live) == 0 {
		return nil
	}
	fresh := Entry{State: Pending, At: s.now().UnixMilli()}
	claims, err := s.d.Dedup.ClaimAll(ctx, keysOf(live), fresh)
	if err != nil {
		return err
	}
	for i, j := range live {
		c := claims[i]
		if c.Won {
			j.e, j.claimed = fresh, true
		} else if j.e, j.claimed, err = s.settle(ctx, j.key, c); err != nil {
			return err
		}
		j.step = stepOf(j.e.State)
	}
	return nil
}

func stepOf(st State) step {
	switch st {
	case Done:
		return stepAnswer
	case Assigned:
		return stepPersist
	}
	return stepAdmit
}

// settle returns the entry this attempt works from when the key was
// taken: the Done entry of an earlier attempt, or an entry whose attempt
// died (Assigned: its seq and key are reused), which this attempt takes
// over (claimed). A duplicate of an attempt still in flight waits up to
// InFlightWait and then fails with errcode.Unavailable (retryable).
func (s *Service) settle(ctx context.Context, k SenderKey, c Claim) (Entry, bool, error) {
	e, claimed, err := c.Entry, false, error(nil)
	if !c.Found { // gone between SET NX and GET: look again
		if e, claimed, err = s.poll(ctx, k, 0); err != nil || claimed {
			return e, claimed, err
		}
	}
	deadline := s.now().Add(InFlightWait)
	for {
		switch {
		case e.State == Done:
			return e, false, nil
		case s.now().Sub(time.UnixMilli(e.At)) >= TakeOver:
			return s.takeOver(ctx, k, e)
		case !s.now().Before(deadline):
			return Entry{}, false, errcode.Unavailable.With("message " + k.MessageID + " is being processed")
		}
		if e, claimed, err = s.poll(ctx, k, pollEvery); err != nil || claimed {
			return e, claimed, err
		}
	}
}

// takeOver continues the work of a dead attempt.
func (s *Service) takeOver(ctx context.Context, k SenderKey, e Entry) (Entry, bool, error) {
	e.At = s.now().UnixMilli()
	if e.State != Assigned {
		e = Entry{State: Pending, At: e.At}
	}
	return e, true, s.d.Dedup.SaveAll(ctx, []SenderKey{k}, []Entry{e})
}

// poll waits a moment and reads the entry again; a vanished entry (the
// first attempt was refused and released it) is claimed anew.
func (s *Service) poll(ctx context.Context, k SenderKey, wait time.Duration) (Entry, bool, error) {
	if wait > 0 {
		if err := sleep(ctx, wait); err != nil {
			return Entry{}, false, err
		}
	}
	e, ok, err := s.d.Dedup.Get(ctx, k)
	if err != nil || ok {
		return e, false, err
	}
	fresh := Entry{State: Pending, At: s.now().UnixMilli()}
	claims, err := s.d.Dedup.ClaimAll(ctx, []SenderKey{k}, fresh)
	if err != nil {
		return Entry{}, false, err
	}
	if claims[0].Won {
		return fresh, true, nil
	}
	return claims[0].Entry, false, nil
}
