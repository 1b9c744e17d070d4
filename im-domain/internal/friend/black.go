package friend

import (
	"context"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/webhook"
)

// Block puts to on from's blacklist (from->to black 2), creating a
// blacklist-only row (status 0) when they were never friends. Every change
// gets a new sequence, also on an existing row (WhaleShark generated one
// but saved it only on insert); blocking again is a no-op. 3010
// FRIEND_BLACK_ADD goes to from's other devices; to is not told.
func (s *Service) Block(ctx context.Context, appID uint32, from, to string, dev *device.ID) (Friendship, error) {
	if err := validPair(from, to); err != nil {
		return Friendship{}, err
	}
	if from == to {
		return Friendship{}, errcode.BadRequest.With("cannot blacklist oneself")
	}
	if _, err := s.mustExist(ctx, appID, from, to); err != nil {
		return Friendship{}, err
	}
	p, err := s.store.UpdateFriendPair(ctx, appID, from, to, func(p *Pair) error {
		if !p.ABExists {
			p.AB.CreateTime = time.Now().UnixMilli()
		}
		p.AB.Black = BlackBlocked
		return nil
	})
	if err != nil {
		return Friendship{}, err
	}
	s.invalidate(ctx, appID, from, to)
	s.toOwner(ctx, appID, from, command.FriendBlackAdd, dev, p.AB)
	s.afterPair(ctx, appID, webhook.BlackAddAfter, from, to)
	return p.AB, nil
}

// Unblock takes to off from's blacklist. With no row, or no block, it
// answers NotBlacklisted (WhaleShark crashed with a NullPointerException).
// 3011 FRIEND_BLACK_DELETE goes to from's other devices.
func (s *Service) Unblock(ctx context.Context, appID uint32, from, to string, dev *device.ID) (Friendship, error) {
	if err := validPair(from, to); err != nil {
		return Friendship{}, err
	}
	p, err := s.store.UpdateFriendPair(ctx, appID, from, to, func(p *Pair) error {
		if !p.ABExists || !p.AB.Blocked() {
			return errcode.NotBlacklisted.With(to)
		}
		p.AB.Black = BlackNone
		return nil
	})
	if err != nil {
		return Friendship{}, err
	}
	s.invalidate(ctx, appID, from, to)
	s.toOwner(ctx, appID, from, command.FriendBlackDelete, dev, p.AB)
	s.afterPair(ctx, appID, webhook.BlackDeleteAfter, from, to)
	return p.AB, nil
}

// Check answers, for each of toIDs, whether from has it as a friend (or
// on its blacklist when black), one way (CheckSingle) or both ways
// (CheckBoth); see CheckResult for the numbers. The answers are computed
// from the rows in Go, never from hand-written SQL (WhaleShark's "both"
// query lacked an AND and its black check mapped a column that did not
// exist).
func (s *Service) Check(ctx context.Context, appID uint32, from string, toIDs []string, kind int, black bool) ([]CheckResult, error) {
	if err := checkIDs(from, toIDs); err != nil {
		return nil, err
	}
	if kind != CheckSingle && kind != CheckBoth {
		return nil, errcode.MissingField.With("checkType: 1 single or 2 both")
	}
	out, in, err := s.store.FriendEdges(ctx, appID, from, toIDs)
	if err != nil {
		return nil, err
	}
	has := Friendship.Friend
	if black {
		has = Friendship.Blocked
	}
	res := make([]CheckResult, len(toIDs))
	for i, to := range toIDs {
		res[i] = CheckResult{FromID: from, ToID: to, Status: checkStatus(kind, has(out[to]), has(in[to]))}
	}
	return res, nil
}

// checkIDs validates an owner and a batch of other users.
func checkIDs(from string, ids []string) error {
	if err := ValidID(from); err != nil {
		return err
	}
	switch {
	case len(ids) == 0:
		return errcode.MissingField.With("toIds")
	case len(ids) > MaxBatch:
		return errcode.BatchTooLarge.With("toIds: at most 100")
	}
	for _, id := range ids {
		if err := ValidID(id); err != nil {
			return err
		}
	}
	return nil
}
