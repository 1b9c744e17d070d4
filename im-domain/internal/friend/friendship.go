package friend

import (
	"context"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
	"github.com/whaleim/whaleim/im-domain/internal/webhook"
)

// Added is the outcome of Add: the new friendship (direct add) or the
// pending request (verification needed); exactly one is set.
type Added struct {
	Friendship *Friendship `json:"friendship,omitempty"`
	Request    *Request    `json:"request,omitempty"`
}

// Add makes from and it.ToID friends directly when the target accepts
// anyone (friend_allow_type 1) or still has from as a friend (from had
// deleted it one-sidedly); otherwise it creates or refreshes a friend
// request. Refused: oneself, already friends (from->to normal), blocked
// by the target, or from has blacklisted the target.
//
// WhaleShark's verification branch had the status test inverted: it sent a
// request to existing friends and answered "already friends" to a deleted
// friendship. Here one rule decides for both branches.
func (s *Service) Add(ctx context.Context, appID uint32, from string, it Item, dev *device.ID) (Added, error) {
	if err := ValidID(from); err != nil {
		return Added{}, err
	}
	if err := it.Validate(); err != nil {
		return Added{}, err
	}
	if from == it.ToID {
		return Added{}, errcode.AddFriendSelf
	}
	allow, err := s.mustExist(ctx, appID, from, it.ToID)
	if err != nil {
		return Added{}, err
	}
	if err := s.vetoAdd(ctx, appID, from, it); err != nil {
		return Added{}, err
	}
	needRequest := false
	p, err := s.store.UpdateFriendPair(ctx, appID, from, it.ToID, func(p *Pair) error {
		if err := addable(p); err != nil {
			return err
		}
		if allow[it.ToID] != AllowAny && !p.BA.Friend() {
			needRequest = true
			return nil // nothing changes: the request is written below
		}
		befriend(p, it, time.Now().UnixMilli())
		return nil
	})
	if err != nil {
		return Added{}, err
	}
	if needRequest {
		r, err := s.request(ctx, appID, from, it, dev)
		return Added{Request: &r}, err
	}
	s.invalidate(ctx, appID, from, it.ToID)
	s.notifyAdded(ctx, appID, p, dev)
	s.afterItem(ctx, appID, webhook.FriendAddAfter, from, it)
	return Added{Friendship: &p.AB}, nil
}

// addable refuses adding when they are friends already or either side
// blacklisted the other.
func addable(p *Pair) error {
	switch {
	case p.AB.Friend():
		return errcode.AlreadyFriends
	case p.BA.Blocked():
		return errcode.Blocked
	case p.AB.Blocked():
		return errcode.BlacklistedByRequester
	}
	return nil
}

// befriend makes both directions normal friendships. A->B takes the
// item's remark and source; B->A keeps its remark when it exists.
func befriend(p *Pair, it Item, now int64) {
	if !p.AB.Friend() {
		p.AB.Status, p.AB.Remark, p.AB.AddSource, p.AB.Extra = StatusNormal, it.Remark, it.AddSource, it.Extra
		p.AB.CreateTime = now
	}
	if !p.BA.Friend() {
		p.BA.Status, p.BA.AddSource, p.BA.CreateTime = StatusNormal, it.AddSource, now
	}
}

// notifyAdded sends 3000 FRIEND_ADD with each side's own new row: to A's
// devices but the calling one, and to all of B's devices.
func (s *Service) notifyAdded(ctx context.Context, appID uint32, p Pair, dev *device.ID) {
	s.toOwner(ctx, appID, p.AB.FromID, command.FriendAdd, dev, p.AB)
	s.notify(ctx, notify.Event{AppID: appID, Command: command.FriendAdd, To: []string{p.BA.FromID}, Data: p.BA})
}

// Update changes from's remark, add source and extra for a live friend
// and pushes 3001 FRIEND_UPDATE to from's other devices.
func (s *Service) Update(ctx context.Context, appID uint32, from string, it Item, dev *device.ID) (Friendship, error) {
	if err := ValidID(from); err != nil {
		return Friendship{}, err
	}
	if err := it.Validate(); err != nil {
		return Friendship{}, err
	}
	p, err := s.store.UpdateFriendPair(ctx, appID, from, it.ToID, func(p *Pair) error {
		if !p.AB.Friend() {
			return errcode.NotFriends.With(it.ToID)
		}
		p.AB.Remark, p.AB.AddSource, p.AB.Extra = it.Remark, it.AddSource, it.Extra
		return nil
	})
	if err != nil {
		return Friendship{}, err
	}
	s.toOwner(ctx, appID, from, command.FriendUpdate, dev, p.AB)
	s.afterItem(ctx, appID, webhook.FriendUpdateAfter, from, it)
	return p.AB, nil
}

// Delete removes to from from's friends, one-sidedly: from->to becomes a
// tombstone with a new sequence, to->from is untouched. 3002
// FRIEND_DELETE goes to from's other devices only; to is not told (see
// the package doc).
func (s *Service) Delete(ctx context.Context, appID uint32, from, to string, dev *device.ID) (Friendship, error) {
	if err := validPair(from, to); err != nil {
		return Friendship{}, err
	}
	p, err := s.store.UpdateFriendPair(ctx, appID, from, to, func(p *Pair) error {
		if !p.AB.Friend() {
			return errcode.NotFriends.With(to)
		}
		p.AB.Status = StatusDeleted
		return nil
	})
	if err != nil {
		return Friendship{}, err
	}
	s.invalidate(ctx, appID, from, to)
	s.toOwner(ctx, appID, from, command.FriendDelete, dev, p.AB)
	s.afterPair(ctx, appID, webhook.FriendDeleteAfter, from, to)
	return p.AB, nil
}

// DeleteAll deletes every friend of from (one-sided, as Delete). Each row
// gets its own new sequence (WhaleShark bumped none, so sync missed it);
// 3016 FRIEND_ALL_DELETE goes to from's other devices.
func (s *Service) DeleteAll(ctx context.Context, appID uint32, from string, dev *device.ID) (Result, error) {
	if err := ValidID(from); err != nil {
		return Result{}, err
	}
	rows, err := s.store.DeleteAllFriends(ctx, appID, from)
	if err != nil {
		return Result{}, err
	}
	res := Result{SuccessID: []string{}, ErrorID: []string{}}
	for _, r := range rows {
		s.invalidate(ctx, appID, from, r.ToID)
		res.SuccessID = append(res.SuccessID, r.ToID)
		s.afterPair(ctx, appID, webhook.FriendDeleteAfter, from, r.ToID)
	}
	s.toOwner(ctx, appID, from, command.FriendDeleteAll, dev, map[string]any{"fromId": from})
	return res, nil
}

// All returns from's friends and blacklisted users (rows with status 1 or
// black 2; tombstones only come through sync).
func (s *Service) All(ctx context.Context, appID uint32, from string) ([]Friendship, error) {
	if err := ValidID(from); err != nil {
		return nil, err
	}
	return s.store.Friendships(ctx, appID, from)
}

// Get returns the row from->to, NotFriends when there is none.
func (s *Service) Get(ctx context.Context, appID uint32, from, to string) (Friendship, error) {
	if err := validPair(from, to); err != nil {
		return Friendship{}, err
	}
	out, _, err := s.store.FriendEdges(ctx, appID, from, []string{to})
	if err != nil {
		return Friendship{}, err
	}
	f, ok := out[to]
	if !ok {
		return Friendship{}, errcode.NotFriends.With("no relation to " + to)
	}
	return f, nil
}

// Sync pages owner's friendship rows (friends, blacklist, tombstones).
func (s *Service) Sync(ctx context.Context, appID uint32, owner string, last int64, limit int) (Page[Friendship], error) {
	if err := checkSync(owner, last, &limit); err != nil {
		return Page[Friendship]{}, err
	}
	return s.store.SyncFriendships(ctx, appID, owner, last, limit)
}

func checkSync(owner string, last int64, limit *int) error {
	if err := ValidID(owner); err != nil {
		return err
	}
	if last < 0 || *limit < 0 {
		return errcode.MissingField.With("lastSequence and maxLimit must not be negative")
	}
	if *limit == 0 || *limit > MaxSyncLimit {
		*limit = MaxSyncLimit
	}
	return nil
}

func validPair(from, to string) error {
	if err := ValidID(from); err != nil {
		return err
	}
	return ValidID(to)
}
