package message

import (
	"context"
	"time"
)

// StoreLagWait bounds how long a sync waits for the store to write the
// messages up-ACKed before it.
const StoreLagWait = time.Second

// storedMaxSeqs returns MySQL's highest seq of each conversation, once the
// store has written the last accepted message of each: the up-ACK comes
// when the store record is durable in the broker, the MySQL row a little
// later, and a sync in between must not miss the message (nothing would
// push it again). A conversation is behind when its current seq (Sequencer)
// is above MySQL's and belongs to an accepted message (Recent). The wait
// is bounded by StoreLagWait; without Redis there is no wait.
func (s *Service) storedMaxSeqs(ctx context.Context, appID uint32, convs []string) (map[string]int64, error) {
	deadline := s.now().Add(StoreLagWait)
	last, err := s.d.Seqs.Current(ctx, appID, convs)
	if err != nil {
		s.log.WarnContext(ctx, "last seqs unavailable; sync may lag the store", "err", err)
	}
	for {
		maxes, err := s.d.Store.MaxSeqs(ctx, appID, convs)
		if err != nil || !s.behind(ctx, appID, maxes, last) || !s.now().Before(deadline) {
			return maxes, err
		}
		if err := sleep(ctx, pollEvery); err != nil {
			return nil, err
		}
	}
}

// behind reports whether MySQL lacks an accepted message of a conversation;
// conversations found caught up, or whose last seq no message got, are
// removed from last so they are not asked again.
func (s *Service) behind(ctx context.Context, appID uint32, maxes, last map[string]int64) bool {
	for conv, seq := range last {
		if maxes[conv] >= seq || s.d.Recent == nil {
			delete(last, conv)
			continue
		}
		if _, ok, err := s.d.Recent.BySeq(ctx, appID, conv, seq); err != nil || !ok {
			delete(last, conv)
			continue
		}
		return true
	}
	return false
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
