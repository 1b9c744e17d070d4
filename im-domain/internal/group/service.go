package group

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/app"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
	"github.com/whaleim/whaleim/im-domain/internal/user"
	"github.com/whaleim/whaleim/im-domain/internal/webhook"
)

// State is a group as EditGroup hands it to the service, under the group's
// row lock.
type State struct {
	Group    Group
	Members  map[string]*Member      // every row, left members included
	Requests map[string]*JoinRequest // pending join requests by user
}

// Edit says what an EditGroup callback changed in State. The store saves
// it with one new sync sequence: the group row (stamping every current
// member's joined-group sync row) when Group is set, and the named member
// and request rows.
type Edit struct {
	Group    bool
	Members  []string
	Requests []string
}

// SyncRow is one row of a user's joined-group sync as stored: the group,
// the user's role in it and the row's sync sequence (in Group.Sequence).
type SyncRow struct {
	Group Group
	Role  Role
}

// Store persists groups (mariadb.DB).
type Store interface {
	// CreateGroup inserts the group and its members with a new sync
	// sequence, returned; errcode.GroupExists when the id is taken.
	CreateGroup(ctx context.Context, appID uint32, g Group, members []Member) (int64, error)
	// EditGroup locks the group, loads its State, calls fn and saves the
	// returned Edit in the same transaction; it returns the new state and
	// the change's sequence (0 when fn changed nothing). GroupNotFound when
	// the group does not exist.
	EditGroup(ctx context.Context, appID uint32, groupID string, fn func(*State) (Edit, error)) (State, int64, error)
	GroupInfo(ctx context.Context, appID uint32, groupID string) (Group, error)
	// GroupMembers returns the current members (left ones excluded).
	GroupMembers(ctx context.Context, appID uint32, groupID string) ([]Member, error)
	// JoinedGroups pages the live groups userID is a member of, optionally
	// only the given types, with the total count.
	JoinedGroups(ctx context.Context, appID uint32, userID string, types []Type, limit, offset int) ([]Group, int64, error)
	// SyncJoinedGroups returns the user's rows with sync sequence > last,
	// ordered, at most limit, and the user's highest sequence.
	SyncJoinedGroups(ctx context.Context, appID uint32, userID string, last int64, limit int) ([]SyncRow, int64, error)
	GroupJoinRequests(ctx context.Context, appID uint32, groupID string) ([]JoinRequest, error)
	// JoinedGroupIDs lists the live groups userID is a current member of.
	JoinedGroupIDs(ctx context.Context, appID uint32, userID string) ([]string, error)
}

// Users finds live users (mariadb.DB via user.Store).
type Users interface {
	Users(ctx context.Context, appID uint32, ids []string) ([]user.User, error)
}

// Apps loads app settings (app.Service): the max group size.
type Apps interface {
	App(ctx context.Context, id uint32) (*app.App, error)
}

// Notifier pushes events to devices (notify.Notifier).
type Notifier interface {
	Notify(ctx context.Context, ev notify.Event) error
}

// Actor is who performs a call.
type Actor struct {
	UserID string
	// Admin: an app admin acting as itself, with every permission (Check's
	// RoleAppAdmin). An admin naming another user in operater acts with
	// that user's role.
	Admin  bool
	Device *device.ID // the calling device, skipped by notifications
}

// Service implements the group use cases.
type Service struct {
	store     Store
	users     Users
	apps      Apps
	notifier  Notifier
	callbacks Callbacks
	cache     *cache
	log       *slog.Logger
	now       func() time.Time
}

// NewService returns a Service. versions tells the membership cache of
// every node when a group changed (redisdb.Client); nil callbacks call
// nothing.
func NewService(store Store, users Users, apps Apps, versions Versions, notifier Notifier, callbacks Callbacks, log *slog.Logger) *Service {
	log = log.With("feature", "group")
	if callbacks == nil {
		callbacks = webhook.Disabled{}
	}
	s := &Service{store: store, users: users, apps: apps, notifier: notifier, callbacks: callbacks, log: log, now: time.Now}
	s.cache = newCache(versions, s.loadSnapshot, log)
	return s
}

func (s *Service) nowMs() int64 { return s.now().UnixMilli() }

func (s *Service) maxGroupSize(ctx context.Context, appID uint32) (int, error) {
	a, err := s.apps.App(ctx, appID)
	if err != nil {
		return 0, err
	}
	return a.Settings.MaxGroupSize, nil
}

// checkUsers returns UserNotFound naming the ids that are not live users.
func (s *Service) checkUsers(ctx context.Context, appID uint32, ids []string) error {
	found, err := s.users.Users(ctx, appID, ids)
	if err != nil {
		return err
	}
	var missing []string
	for _, id := range ids {
		if !slices.ContainsFunc(found, func(u user.User) bool { return u.ID == id }) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return errcode.UserNotFound.With(strings.Join(missing, ","))
	}
	return nil
}

// roleOf is a's role for Check: the app-admin pseudo-role, the member's
// role, or RoleNone.
func roleOf(st *State, a Actor) Role {
	if a.Admin {
		return RoleAppAdmin
	}
	return memberRole(st.Members, a.UserID)
}

func memberRole(members map[string]*Member, id string) Role {
	if m, ok := members[id]; ok && m.Role.Current() {
		return m.Role
	}
	return RoleNone
}

// current lists the ids of the current members, sorted.
func current(members map[string]*Member) []string {
	var ids []string
	for id, m := range members {
		if m.Role.Current() {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// edit runs fn on the live group under its lock; a destroyed group refuses
// every change. After a change it invalidates the membership cache.
func (s *Service) edit(ctx context.Context, appID uint32, groupID string, fn func(*State) (Edit, error)) (State, int64, error) {
	if err := ValidID("groupId", groupID); err != nil {
		return State{}, 0, err
	}
	st, seq, err := s.store.EditGroup(ctx, appID, groupID, func(st *State) (Edit, error) {
		if st.Group.Status == StatusDestroyed {
			return Edit{}, errcode.GroupDestroyed
		}
		return fn(st)
	})
	if err == nil && seq != 0 {
		s.cache.invalidate(ctx, appID, groupID)
	}
	return st, seq, err
}

// notify sends one event to users; best-effort, as the change is
// committed and devices catch up by sync.
func (s *Service) notify(ctx context.Context, appID uint32, a Actor, cmd command.Code, to []string, data any) {
	if len(to) == 0 {
		return
	}
	ev := notify.Event{AppID: appID, Command: cmd, To: to, ExcludeDevice: a.Device, Data: data}
	if err := s.notifier.Notify(ctx, ev); err != nil {
		s.log.WarnContext(ctx, "group notification failed", "app", appID, "command", int(cmd), "err", err)
	}
}

func newGroupID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

func errcodeIs(err error, target *errcode.Error) bool { return err != nil && errors.Is(err, target) }
