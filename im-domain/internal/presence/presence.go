// Package presence tells users when others come online and go offline,
// and carries custom status texts (upstream WhaleShark's ImUserStatusService).
//
// The gateways' session scripts decide a user's first live device and
// last one leaving atomically (im-common/session, PresenceLua) and append
// a Change to a Redis stream; one domain node handles each Change: 4004
// USER_ONLINE_STATUS_CHANGE_NOTIFY goes to the users subscribed to it (a
// user subscribes to its friends, an admin to anyone), 4005 USER_ONLINE_STATUS_CHANGE_NOTIFY_SYNC to the
// user's own other devices. The stream entry is the 4001
// USER_ONLINE_STATUS_CHANGE of the protocol (gateway to domain). A custom
// status set over REST is sent the same way. Every notification carries
// the app-wide version of the change: a device that gets two out of order
// keeps the higher.
package presence

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-domain/internal/friend"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
)

// Change is one presence event: the user's first live device arrived
// (Online) or its last one left.
type Change struct {
	AppID   uint32
	UserID  string
	Online  bool
	Version int64 // increases with every change of the app
	Time    int64 // unix ms
	Device  device.ID
}

// Custom is a user's custom status.
type Custom struct {
	Text   string `json:"customText"`
	Status int    `json:"customStatus"`
}

// Store keeps subscriptions and custom statuses and reads sessions
// (redisdb.Presence).
type Store interface {
	Subscribe(ctx context.Context, appID uint32, subscriber string, targets []string, until time.Time) error
	// Subscribers returns the users whose subscription to target is on.
	Subscribers(ctx context.Context, appID uint32, target string) ([]string, error)
	// SetCustom saves c and returns the version of the change.
	SetCustom(ctx context.Context, appID uint32, user string, c Custom) (int64, error)
	Customs(ctx context.Context, appID uint32, users []string) (map[string]Custom, error)
	Online(ctx context.Context, appID uint32, users []string) (map[string][]session.Session, error)
}

// Friends lists a user's friendships (friend.Service).
type Friends interface {
	All(ctx context.Context, appID uint32, from string) ([]friend.Friendship, error)
}

// Notifier pushes to devices (notify.Notifier).
type Notifier interface {
	Notify(ctx context.Context, ev notify.Event) error
}

// Status values of the notifications (WhaleShark's ImConnectStatusEnum).
const (
	StatusOnline  = 1
	StatusOffline = 2
)

// Limits of the API.
const (
	MaxBatch        = 100                 // users per subscribe or query
	MaxSubscription = 30 * 24 * time.Hour // longest subTime
	MaxCustomText   = 256                 // bytes
)

// Status is a user's presence as notified and queried.
type Status struct {
	UserID  string   `json:"userId"`
	Status  int      `json:"status"` // StatusOnline or StatusOffline
	Version int64    `json:"version,omitempty"`
	Time    int64    `json:"time,omitempty"`
	Client  []Client `json:"client"` // the live devices
	Custom
}

// Client is one live device in a Status.
type Client struct {
	ClientType device.Type `json:"clientType"`
}

// Service implements presence.
type Service struct {
	store    Store
	friends  Friends
	notifier Notifier
	log      *slog.Logger
	now      func() time.Time
}

// NewService returns a Service.
func NewService(s Store, f Friends, n Notifier, log *slog.Logger) *Service {
	return &Service{store: s, friends: f, notifier: n, log: log.With("component", "presence"), now: time.Now}
}

// Handle notifies a Change (best-effort: failures are logged).
func (s *Service) Handle(ctx context.Context, ch Change) {
	st := Status{UserID: ch.UserID, Status: StatusOffline, Version: ch.Version, Time: ch.Time, Client: []Client{}}
	if ch.Online {
		st.Status = StatusOnline
	}
	s.fill(ctx, ch.AppID, []*Status{&st})
	exclude := ch.Device
	s.send(ctx, ch.AppID, st, &exclude)
}

// send pushes st to the user's watchers (4004) and to its own devices but
// the one excluded (4005).
func (s *Service) send(ctx context.Context, appID uint32, st Status, exclude *device.ID) {
	watchers, err := s.watchers(ctx, appID, st.UserID)
	if err != nil {
		s.log.WarnContext(ctx, "presence watchers unreadable", "app", appID, "user", st.UserID, "err", err)
	}
	if len(watchers) > 0 {
		err = s.notifier.Notify(ctx, notify.Event{AppID: appID, Command: command.UserOnlineStatusNotify, To: watchers, Data: st})
	}
	if err == nil {
		err = s.notifier.Notify(ctx, notify.Event{AppID: appID, Command: command.UserOnlineStatusSync,
			To: []string{st.UserID}, ExcludeDevice: exclude, Data: st})
	}
	if err != nil {
		s.log.WarnContext(ctx, "presence notification failed", "app", appID, "user", st.UserID, "err", err)
	}
}

// watchers are the live subscribers of user (not every friend: a friend
// who wants to know subscribes, so a connect does not fan out to
// thousands of friends who do not look).
func (s *Service) watchers(ctx context.Context, appID uint32, user string) ([]string, error) {
	subs, err := s.store.Subscribers(ctx, appID, user)
	if err != nil {
		return nil, err
	}
	slices.Sort(subs)
	return slices.DeleteFunc(slices.Compact(subs), func(u string) bool { return u == user }), nil
}

// Subscribe subscribes subscriber to the status of targets for ttl. A
// non-admin may subscribe only to its friends: the others come back in
// denied and are not subscribed.
func (s *Service) Subscribe(ctx context.Context, appID uint32, subscriber string, admin bool, targets []string, ttl time.Duration) ([]string, error) {
	if ttl <= 0 || ttl > MaxSubscription {
		return nil, errcode.MissingField.With("subTime: 1 ms .. 30 days")
	}
	allowed, denied, err := s.allowed(ctx, appID, subscriber, admin, targets)
	if err != nil || len(allowed) == 0 {
		return denied, err
	}
	return denied, s.store.Subscribe(ctx, appID, subscriber, allowed, s.now().Add(ttl))
}

// allowed splits ids into those caller may watch (any for an admin, else
// its friends and itself) and the others.
func (s *Service) allowed(ctx context.Context, appID uint32, caller string, admin bool, ids []string) (allowed, denied []string, err error) {
	if admin {
		return ids, []string{}, nil
	}
	fs, err := s.friends.All(ctx, appID, caller)
	if err != nil {
		return nil, nil, err
	}
	allowed, denied = friendsOnly(caller, ids, fs)
	return allowed, denied, nil
}

// SetCustom saves user's custom status and notifies it like a change.
func (s *Service) SetCustom(ctx context.Context, appID uint32, user string, c Custom, from *device.ID) (Status, error) {
	if len(c.Text) > MaxCustomText {
		return Status{}, errcode.MissingField.With("customText: at most 256 bytes")
	}
	v, err := s.store.SetCustom(ctx, appID, user, c)
	if err != nil {
		return Status{}, err
	}
	st := Status{UserID: user, Version: v, Time: s.now().UnixMilli()}
	s.fill(ctx, appID, []*Status{&st})
	s.send(ctx, appID, st, from)
	return st, nil
}

// Query returns the status of ids. A non-admin caller sees only its
// friends and itself; the others come back in denied.
func (s *Service) Query(ctx context.Context, appID uint32, caller string, admin bool, ids []string) ([]Status, []string, error) {
	allowed, denied, err := s.allowed(ctx, appID, caller, admin, ids)
	if err != nil {
		return nil, nil, err
	}
	return s.statuses(ctx, appID, allowed), denied, nil
}

// FriendsStatus returns the status of every friend of user.
func (s *Service) FriendsStatus(ctx context.Context, appID uint32, user string) ([]Status, error) {
	fs, err := s.friends.All(ctx, appID, user)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, f := range fs {
		if f.Friend() {
			ids = append(ids, f.ToID)
		}
	}
	return s.statuses(ctx, appID, ids), nil
}

func friendsOnly(caller string, ids []string, fs []friend.Friendship) (allowed, denied []string) {
	denied = []string{}
	for _, id := range ids {
		ok := id == caller || slices.ContainsFunc(fs, func(f friend.Friendship) bool { return f.ToID == id && f.Friend() })
		if ok {
			allowed = append(allowed, id)
		} else {
			denied = append(denied, id)
		}
	}
	return allowed, denied
}

// statuses reads the current status of ids (sorted, deduplicated).
func (s *Service) statuses(ctx context.Context, appID uint32, ids []string) []Status {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	out := make([]Status, len(ids))
	ptrs := make([]*Status, len(ids))
	for i, id := range ids {
		out[i] = Status{UserID: id}
		ptrs[i] = &out[i]
	}
	s.fill(ctx, appID, ptrs)
	return out
}

// fill sets the live devices, the online status (unless the Status is
// a change, which says it) and the custom status of sts.
func (s *Service) fill(ctx context.Context, appID uint32, sts []*Status) {
	ids := make([]string, len(sts))
	for i, st := range sts {
		ids[i] = st.UserID
	}
	online, err := s.store.Online(ctx, appID, ids)
	if err != nil {
		s.log.WarnContext(ctx, "presence sessions unreadable", "app", appID, "err", err)
	}
	customs, err := s.store.Customs(ctx, appID, ids)
	if err != nil {
		s.log.WarnContext(ctx, "custom statuses unreadable", "app", appID, "err", err)
	}
	for _, st := range sts {
		st.Client = []Client{}
		for _, d := range online[st.UserID] {
			st.Client = append(st.Client, Client{ClientType: d.ClientType})
		}
		if st.Status == 0 {
			st.Status = StatusOffline
			if len(st.Client) > 0 {
				st.Status = StatusOnline
			}
		}
		st.Custom = customs[st.UserID]
	}
}
