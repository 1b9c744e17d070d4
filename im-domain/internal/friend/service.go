package friend

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/cache"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
	"github.com/whaleim/whaleim/im-domain/internal/webhook"
)

// Friendships persists friendship rows (mariadb.DB).
type Friendships interface {
	// ImportFriendships upserts rows of one owner, stamping each with a
	// new sequence.
	ImportFriendships(ctx context.Context, appID uint32, rows []Friendship) error
	// UpdateFriendPair locks both directions between a and b, calls fn and saves
	// each direction fn changed with a new sequence, in one transaction.
	// An error from fn rolls back and is returned as is.
	UpdateFriendPair(ctx context.Context, appID uint32, a, b string, fn func(*Pair) error) (Pair, error)
	// DeleteAllFriends turns every live friendship of from into a
	// tombstone, each with its own new sequence, and returns them.
	DeleteAllFriends(ctx context.Context, appID uint32, from string) ([]Friendship, error)
	// Friendships returns from's rows that are friends or blacklisted.
	Friendships(ctx context.Context, appID uint32, from string) ([]Friendship, error)
	// FriendEdges returns the rows a->other (out) and other->a (in) by other.
	FriendEdges(ctx context.Context, appID uint32, a string, others []string) (out, in map[string]Friendship, err error)
	SyncFriendships(ctx context.Context, appID uint32, owner string, last int64, limit int) (Page[Friendship], error)
}

// Store is everything the feature persists.
type Store interface {
	Friendships
	Requests
	Groups
}

// Users reads the live users' friend allow type (mariadb.DB); unknown or
// deleted users are absent from the map.
type Users interface {
	FriendAllowTypes(ctx context.Context, appID uint32, ids []string) (map[string]int, error)
}

// Notifier pushes events to devices (notify.Notifier).
type Notifier interface {
	Notify(ctx context.Context, ev notify.Event) error
}

// Service implements the friendship use cases.
type Service struct {
	store     Store
	users     Users
	notifier  Notifier
	callbacks Callbacks
	cache     *relationCache
	bus       cache.Bus
	log       *slog.Logger
}

// NewService returns a Service whose Relation answers are cached for ttl
// (DefaultRelationTTL when 0); nil callbacks call nothing; bus carries its
// cache invalidations to the other nodes (nil: this node only).
func NewService(store Store, users Users, notifier Notifier, callbacks Callbacks, bus cache.Bus, ttl time.Duration, log *slog.Logger) *Service {
	if ttl <= 0 {
		ttl = DefaultRelationTTL
	}
	if callbacks == nil {
		callbacks = webhook.Disabled{}
	}
	s := &Service{store: store, users: users, notifier: notifier, callbacks: callbacks, bus: bus,
		cache: newRelationCache(ttl, time.Now), log: log.With("feature", "friend")}
	if bus != nil {
		bus.Handle(CacheTopic, func(string) { s.cache.Clear() }, s.cache.Clear)
	}
	return s
}

// notify pushes best-effort: the change is committed and devices catch up
// by sync, so a failure is logged and swallowed.
func (s *Service) notify(ctx context.Context, ev notify.Event) {
	if err := s.notifier.Notify(ctx, ev); err != nil {
		s.log.WarnContext(ctx, "friend notification failed", "app", ev.AppID, "command", int(ev.Command), "err", err)
	}
}

// toOwner notifies the owner's devices other than dev.
func (s *Service) toOwner(ctx context.Context, appID uint32, owner string, cmd command.Code, dev *device.ID, data any) {
	s.notify(ctx, notify.Event{AppID: appID, Command: cmd, To: []string{owner}, ExcludeDevice: dev, Data: data})
}

// mustExist returns the allow types of ids or UserNotFound naming the
// first unknown one.
func (s *Service) mustExist(ctx context.Context, appID uint32, ids ...string) (map[string]int, error) {
	allow, err := s.users.FriendAllowTypes(ctx, appID, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, ok := allow[id]; !ok {
			return nil, errcode.UserNotFound.With(id)
		}
	}
	return allow, nil
}

// Import writes one direction of friendships as given (admin), each with
// a sequence so they sync (WhaleShark stamped none). Unknown friends are
// listed in ErrorID; the known ones are written in one transaction.
func (s *Service) Import(ctx context.Context, appID uint32, from string, items []Item) (Result, error) {
	if err := checkItems(from, items); err != nil {
		return Result{}, err
	}
	ids := []string{from}
	for _, it := range items {
		ids = append(ids, it.ToID)
	}
	allow, err := s.users.FriendAllowTypes(ctx, appID, ids)
	if err != nil {
		return Result{}, err
	}
	if _, ok := allow[from]; !ok {
		return Result{}, errcode.UserNotFound.With(from)
	}
	res := Result{SuccessID: []string{}, ErrorID: []string{}}
	var rows []Friendship
	now := time.Now().UnixMilli()
	for _, it := range items {
		if _, ok := allow[it.ToID]; !ok {
			res.ErrorID = append(res.ErrorID, it.ToID)
			continue
		}
		res.SuccessID = append(res.SuccessID, it.ToID)
		rows = append(rows, Friendship{FromID: from, ToID: it.ToID, Remark: it.Remark, Status: it.Status,
			Black: it.Black, AddSource: it.AddSource, Extra: it.Extra, CreateTime: now})
	}
	if len(rows) > 0 {
		if err := s.store.ImportFriendships(ctx, appID, rows); err != nil {
			return Result{}, err
		}
	}
	for _, r := range rows {
		s.invalidate(ctx, appID, r.FromID, r.ToID)
	}
	return res, nil
}

func checkItems(from string, items []Item) error {
	if err := ValidID(from); err != nil {
		return err
	}
	if len(items) == 0 {
		return errcode.MissingField.With("friendItem")
	}
	if len(items) > MaxBatch {
		return errcode.BatchTooLarge.With("friendItem: at most 100")
	}
	seen := map[string]bool{}
	for i := range items {
		it := &items[i]
		if err := it.Validate(); err != nil {
			return err
		}
		if it.ToID == from || seen[it.ToID] {
			return errcode.BadRequest.With("friendItem: self or duplicate toId " + it.ToID)
		}
		seen[it.ToID] = true
		if it.Status == 0 {
			it.Status = StatusNormal
		}
		if it.Black == 0 {
			it.Black = BlackNone
		}
		if !slices.Contains([]int{StatusNormal, StatusDeleted}, it.Status) || !slices.Contains([]int{BlackNone, BlackBlocked}, it.Black) {
			return errcode.MissingField.With("friendItem: status 1|2, black 1|2")
		}
	}
	return nil
}
