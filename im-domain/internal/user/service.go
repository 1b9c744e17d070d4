package user

import (
	"context"
	"log/slog"
	"slices"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-domain/internal/cache"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
)

// Store persists users (mariadb.Users). Users returns live users only.
type Store interface {
	UpsertUsers(ctx context.Context, appID uint32, users []User) error
	Users(ctx context.Context, appID uint32, ids []string) ([]User, error)
	// UpdateUser loads a live user, applies fn and saves it in one
	// transaction; errcode.UserNotFound when the user is unknown.
	UpdateUser(ctx context.Context, appID uint32, id string, fn func(*User) error) (User, error)
	// DeleteUsers soft-deletes and returns the ids that were live.
	DeleteUsers(ctx context.Context, appID uint32, ids []string) ([]string, error)
	UserSequences(ctx context.Context, appID uint32, userID string) (map[string]int64, error)
}

// Presence reads live device sessions and ends them (redisdb.Client).
type Presence interface {
	Online(ctx context.Context, appID uint32, userIDs []string) (map[string][]session.Session, error)
	// DropSessions deletes every session of the users.
	DropSessions(ctx context.Context, appID uint32, userIDs []string) error
}

// Notifier pushes events to devices (notify.Notifier).
type Notifier interface {
	Notify(ctx context.Context, ev notify.Event) error
}

// Callbacks tells the app back-end what happened (webhook.Client); it
// never blocks.
type Callbacks interface {
	After(ctx context.Context, appID uint32, event string, payload any)
}

// EventModifyAfter is the after-callback of Modify (webhook.UserModifyAfter).
const EventModifyAfter = "user.modify.after"

// Service implements the user use cases.
type Service struct {
	store     Store
	presence  Presence
	notifier  Notifier
	callbacks Callbacks
	cache     *cache.Shared[cached]
	log       *slog.Logger
}

// NewService returns a Service; bus carries its cache invalidations to the
// other domain nodes (nil: this node only).
func NewService(store Store, presence Presence, notifier Notifier, callbacks Callbacks, bus cache.Bus, log *slog.Logger) *Service {
	log = log.With("feature", "user")
	return &Service{store: store, presence: presence, notifier: notifier, callbacks: callbacks,
		cache: cache.NewShared[cached](CacheTopic, cacheTTL, cacheEntries, bus, log), log: log}
}

// Result lists the ids a batch changed and those it did not.
type Result struct {
	SuccessID []string `json:"successId"`
	ErrorID   []string `json:"errorId"`
}

// Import creates or replaces users (idempotent: importing the same batch
// twice gives the same state; a soft-deleted user is revived). The whole
// batch is validated first and written in one transaction, so a bad item
// changes nothing.
func (s *Service) Import(ctx context.Context, appID uint32, users []User) (Result, error) {
	if err := checkBatch(len(users)); err != nil {
		return Result{}, err
	}
	seen := map[string]bool{}
	for i := range users {
		if err := users[i].Validate(); err != nil {
			return Result{}, err
		}
		if seen[users[i].ID] {
			return Result{}, errcode.BadRequest.With("duplicate userId " + users[i].ID)
		}
		seen[users[i].ID] = true
	}
	if err := s.store.UpsertUsers(ctx, appID, users); err != nil {
		return Result{}, err
	}
	res := Result{ErrorID: []string{}}
	for _, u := range users {
		res.SuccessID = append(res.SuccessID, u.ID)
	}
	s.changed(ctx, appID, res.SuccessID...)
	return res, nil
}

// Get returns the live users among ids and, separately, the unknown ids.
func (s *Service) Get(ctx context.Context, appID uint32, ids []string) ([]User, []string, error) {
	if err := checkIDs(ids); err != nil {
		return nil, nil, err
	}
	found, err := s.store.Users(ctx, appID, ids)
	if err != nil {
		return nil, nil, err
	}
	missing := []string{}
	for _, id := range ids {
		if !slices.ContainsFunc(found, func(u User) bool { return u.ID == id }) && !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	return found, missing, nil
}

// CanLogin returns errcode.UserNotFound or UserForbidden when id may not
// get a gateway.
func (s *Service) CanLogin(ctx context.Context, appID uint32, id string) error {
	u, err := s.One(ctx, appID, id)
	if err == nil && u.Forbidden == 1 {
		err = errcode.UserForbidden
	}
	return err
}

// Modify applies p to user id, pushes 4000 USER_MODIFY with the new
// profile to the user's devices other than from (the caller's, may be nil)
// and queues the app's user.modify.after callback with it.
func (s *Service) Modify(ctx context.Context, appID uint32, id string, p Patch, from *device.ID) (User, error) {
	if err := ValidID(id); err != nil {
		return User{}, err
	}
	u, err := s.store.UpdateUser(ctx, appID, id, p.Apply)
	if err != nil {
		return User{}, err
	}
	s.changed(ctx, appID, id)
	ev := notify.Event{AppID: appID, Command: command.UserModify, To: []string{id}, ExcludeDevice: from, Data: u}
	if err := s.notifier.Notify(ctx, ev); err != nil {
		// Best-effort: the change is committed and devices catch up by sync.
		s.log.WarnContext(ctx, "user modify notification failed", "app", appID, "user", id, "err", err)
	}
	if u.Forbidden == 1 {
		s.disconnect(ctx, appID, []string{id}, errcode.UserForbidden)
	}
	s.callbacks.After(ctx, appID, EventModifyAfter, u)
	return u, nil
}

// disconnect ends every session of the users: each device gets 9002 with
// why (the code a login would now be refused with) and its gateway closes
// the connection; the sessions are deleted so the users show offline at
// once; their next login is refused by the gateways' login check
// (mq.QueueAuth). Best effort like every push: a gateway that misses the
// kick keeps the connection until it drops, but the user's messages are
// refused by the message core (forbidden sender) and no session routes
// pushes to it.
func (s *Service) disconnect(ctx context.Context, appID uint32, ids []string, why *errcode.Error) {
	ev := notify.Event{AppID: appID, Command: command.MutualLogin, To: ids, Close: true,
		Data: map[string]any{"code": why.Code, "msg": why.Message}}
	if err := s.notifier.Notify(ctx, ev); err != nil {
		s.log.WarnContext(ctx, "disconnect notification failed", "app", appID, "users", ids, "err", err)
	}
	if err := s.presence.DropSessions(ctx, appID, ids); err != nil {
		s.log.WarnContext(ctx, "session removal failed; they expire with their TTL", "app", appID, "users", ids, "err", err)
	}
}

// Delete soft-deletes ids; ErrorID lists those unknown or already deleted.
func (s *Service) Delete(ctx context.Context, appID uint32, ids []string) (Result, error) {
	if err := checkIDs(ids); err != nil {
		return Result{}, err
	}
	deleted, err := s.store.DeleteUsers(ctx, appID, ids)
	if err != nil {
		return Result{}, err
	}
	s.changed(ctx, appID, deleted...)
	if len(deleted) > 0 {
		s.disconnect(ctx, appID, deleted, errcode.UserNotFound)
	}
	res := Result{SuccessID: []string{}, ErrorID: []string{}}
	for _, id := range ids {
		if slices.Contains(deleted, id) {
			res.SuccessID = append(res.SuccessID, id)
		} else if !slices.Contains(res.ErrorID, id) {
			res.ErrorID = append(res.ErrorID, id)
		}
	}
	return res, nil
}

// Device is one online device of a user.
type Device struct {
	ClientType device.Type `json:"clientType"`
	IMEI       string      `json:"imei"`
	LoginTime  int64       `json:"loginTime"`
}

// Online returns every requested user's live devices (empty when offline).
func (s *Service) Online(ctx context.Context, appID uint32, ids []string) (map[string][]Device, error) {
	if err := checkIDs(ids); err != nil {
		return nil, err
	}
	sessions, err := s.presence.Online(ctx, appID, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]Device, len(ids))
	for _, id := range ids {
		devices := []Device{}
		for _, ss := range sessions[id] {
			devices = append(devices, Device{ClientType: ss.ClientType, IMEI: ss.IMEI, LoginTime: ss.LoginTime})
		}
		out[id] = devices
	}
	return out, nil
}

// Sequences returns the user's latest sync sequence per module (friendShip,
// group, conversation... as each feature records them); a module the user
// has never touched is absent, meaning 0.
func (s *Service) Sequences(ctx context.Context, appID uint32, id string) (map[string]int64, error) {
	if err := ValidID(id); err != nil {
		return nil, err
	}
	return s.store.UserSequences(ctx, appID, id)
}

func checkBatch(n int) error {
	switch {
	case n == 0:
		return errcode.MissingField.With("empty batch")
	case n > MaxBatch:
		return errcode.BatchTooLarge.With("at most 100 items")
	}
	return nil
}

func checkIDs(ids []string) error {
	if err := checkBatch(len(ids)); err != nil {
		return err
	}
	for _, id := range ids {
		if err := ValidID(id); err != nil {
			return err
		}
	}
	return nil
}
