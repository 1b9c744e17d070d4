package message

import (
	"context"
	"time"

	"github.com/whaleim/whaleim/im-common/errcode"
)

// claim returns the entry this attempt works from: a fresh Pending entry
// when the key was free (or its owner died), the Done entry of an earlier
// attempt, or an Assigned entry whose attempt died before the confirm (its
// seq and key are reused). A duplicate of an attempt still in flight waits
// up to InFlightWait and then fails with errcode.Unavailable (retryable).
func (s *Service) claim(ctx context.Context, in *Send) (Entry, error) {
	fresh := Entry{State: Pending, At: s.now().UnixMilli()}
	e, ok, err := s.d.Dedup.Claim(ctx, in.AppID, in.FromID, in.Msg.MessageID, fresh)
	if err != nil || ok {
		return fresh, err
	}
	deadline := s.now().Add(InFlightWait)
	for {
		if e.State == Done {
			return e, nil
		}
		if s.now().Sub(time.UnixMilli(e.At)) >= TakeOver {
			return s.takeOver(ctx, in, e)
		}
		if !s.now().Before(deadline) {
			return Entry{}, errcode.Unavailable.With("message " + in.Msg.MessageID + " is being processed")
		}
		var claimed bool
		if e, claimed, err = s.poll(ctx, in); err != nil || claimed {
			return e, err
		}
	}
}

// takeOver continues the work of a dead attempt.
func (s *Service) takeOver(ctx context.Context, in *Send, e Entry) (Entry, error) {
	e.At = s.now().UnixMilli()
	if e.State != Assigned {
		e = Entry{State: Pending, At: e.At}
	}
	return e, s.d.Dedup.Save(ctx, in.AppID, in.FromID, in.Msg.MessageID, e)
}

// poll waits a moment and reads the entry again; a vanished entry (the
// first attempt was refused and released it) is claimed anew.
func (s *Service) poll(ctx context.Context, in *Send) (Entry, bool, error) {
	t := time.NewTimer(pollEvery)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return Entry{}, false, ctx.Err()
	case <-t.C:
	}
	e, ok, err := s.d.Dedup.Get(ctx, in.AppID, in.FromID, in.Msg.MessageID)
	if err != nil || ok {
		return e, false, err
	}
	fresh := Entry{State: Pending, At: s.now().UnixMilli()}
	e, ok, err = s.d.Dedup.Claim(ctx, in.AppID, in.FromID, in.Msg.MessageID, fresh)
	if ok {
		return fresh, true, err
	}
	return e, false, err
}
