// Package online is the app admin's session control: who is online on
// which device and gateway, how many connections each gateway holds,
// force-logout of a user or one device, and a broadcast to online devices
// (cim's broadcast), app-wide or to a list of users, rate-limited per app.
//
// Sessions are the gateways' (im-common/session); this package reads them
// and, for a logout, asks the device's gateway to send 9002 and close,
// then deletes the sessions so the user shows offline at once.
package online

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
	"github.com/whaleim/whaleim/im-domain/internal/routing"
)

// Sessions reads and ends device sessions (redisdb.Client).
type Sessions interface {
	Online(ctx context.Context, appID uint32, userIDs []string) (map[string][]session.Session, error)
	// OnlinePage walks the app's online users: about count per page from
	// cursor (0 starts), returning the next cursor (0: done).
	OnlinePage(ctx context.Context, appID uint32, cursor uint64, count int) (map[string][]session.Session, uint64, error)
	GatewayConnections(ctx context.Context, appID uint32, brokers []string) (map[string]int, error)
	DropDevices(ctx context.Context, appID uint32, userID string, ss []session.Session) (int, error)
	// Allow counts one use of the app's budget name (limit per window).
	Allow(ctx context.Context, appID uint32, name string, limit int, window time.Duration) (bool, time.Time, error)
}

// Gateways lists the live gateways (routing.Registry).
type Gateways interface {
	Gateways(ctx context.Context) ([]routing.Gateway, error)
}

// Notifier pushes to devices whose sessions the caller read (notify.Notifier).
type Notifier interface {
	NotifyOnline(ctx context.Context, ev notify.Event, online map[string][]session.Session) error
}

// Limits bound the admin's broadcasts.
type Limits struct {
	// Broadcasts per app per BroadcastWindow (IM_BROADCAST_LIMIT); 0 means
	// DefaultBroadcasts.
	Broadcasts      int
	BroadcastWindow time.Duration // 0 means one minute
}

// Defaults of Limits.
const (
	DefaultBroadcasts = 10
	// MaxPage bounds a page of the online user list.
	MaxPage = 1000
	// MaxSegment bounds the user list of a segment broadcast.
	MaxSegment = 1000
	// walkPage is the page size of an app-wide broadcast's walk.
	walkPage = 500
)

// Service implements the admin session use cases.
type Service struct {
	sessions Sessions
	gateways Gateways
	notifier Notifier
	limits   Limits
}

// NewService returns a Service.
func NewService(s Sessions, g Gateways, n Notifier, l Limits) *Service {
	if l.Broadcasts <= 0 {
		l.Broadcasts = DefaultBroadcasts
	}
	if l.BroadcastWindow <= 0 {
		l.BroadcastWindow = time.Minute
	}
	return &Service{sessions: s, gateways: g, notifier: n, limits: l}
}

// Device is one live device session.
type Device struct {
	ClientType device.Type `json:"clientType"`
	IMEI       string      `json:"imei"`
	LoginTime  int64       `json:"loginTime"` // unix ms
	BrokerID   string      `json:"brokerId"`  // the gateway holding it
}

// User is an online user with its devices.
type User struct {
	UserID  string   `json:"userId"`
	Devices []Device `json:"devices"`
}

// Page is one page of the online users. Cursor continues the walk; ""
// means the walk is complete. A user may appear on two pages.
type Page struct {
	Users  []User `json:"users"`
	Cursor string `json:"cursor"`
}

// List returns about limit online users of the app from cursor ("" starts).
func (s *Service) List(ctx context.Context, appID uint32, cursor string, limit int) (Page, error) {
	var c uint64
	if cursor != "" {
		n, err := strconv.ParseUint(cursor, 10, 64)
		if err != nil {
			return Page{}, errcode.MissingField.With("cursor: not a cursor this API returned")
		}
		c = n
	}
	online, next, err := s.sessions.OnlinePage(ctx, appID, c, min(max(limit, 1), MaxPage))
	if err != nil {
		return Page{}, err
	}
	p := Page{Users: users(online)}
	if next != 0 {
		p.Cursor = strconv.FormatUint(next, 10)
	}
	return p, nil
}

// users sorts online into the listing's shape.
func users(online map[string][]session.Session) []User {
	out := make([]User, 0, len(online))
	for id, ss := range online {
		u := User{UserID: id, Devices: make([]Device, len(ss))}
		for i, d := range ss {
			u.Devices[i] = Device{ClientType: d.ClientType, IMEI: d.IMEI, LoginTime: d.LoginTime, BrokerID: d.Broker}
		}
		slices.SortFunc(u.Devices, func(a, b Device) int { return cmpDevice(a.ClientType, a.IMEI, b.ClientType, b.IMEI) })
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(a.UserID, b.UserID) })
	return out
}

// GatewayLoad is one live gateway and the app's connections on it.
type GatewayLoad struct {
	BrokerID    string `json:"brokerId"`
	TCPAddress  string `json:"tcpAddress"`
	WSAddress   string `json:"wsAddress"`
	Connections int    `json:"connections"`
}

// Gateways lists the registered gateways with the app's connection count
// on each.
func (s *Service) Gateways(ctx context.Context, appID uint32) ([]GatewayLoad, error) {
	gws, err := s.gateways.Gateways(ctx)
	if err != nil {
		return nil, fmt.Errorf("online: %w: %w", errcode.Unavailable.With("gateway registry unreachable"), err)
	}
	ids := make([]string, len(gws))
	for i, g := range gws {
		ids[i] = g.ID
	}
	counts, err := s.sessions.GatewayConnections(ctx, appID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]GatewayLoad, len(gws))
	for i, g := range gws {
		out[i] = GatewayLoad{BrokerID: g.ID, TCPAddress: g.TCP, WSAddress: g.WS, Connections: counts[g.ID]}
	}
	slices.SortFunc(out, func(a, b GatewayLoad) int { return strings.Compare(a.BrokerID, b.BrokerID) })
	return out, nil
}

// Logout ends the user's sessions, or only the device one names: each
// device gets 9002 {code: LoggedOutByAdmin, msg: reason} and its gateway
// closes it right after; the sessions are deleted so the user shows
// offline at once. It returns the devices logged out (0: none online).
func (s *Service) Logout(ctx context.Context, appID uint32, userID string, only *device.ID, reason string) (int, error) {
	online, err := s.sessions.Online(ctx, appID, []string{userID})
	if err != nil {
		return 0, err
	}
	ss := online[userID]
	if only != nil {
		ss = slices.DeleteFunc(ss, func(d session.Session) bool { return d.ClientType != only.Type || d.IMEI != only.IMEI })
	}
	if len(ss) == 0 {
		return 0, nil
	}
	if reason == "" {
		reason = errcode.LoggedOutByAdmin.Message
	}
	ev := notify.Event{AppID: appID, Command: command.MutualLogin, To: []string{userID}, OnlyDevice: only, Close: true,
		Data: map[string]any{"code": errcode.LoggedOutByAdmin.Code, "msg": reason}}
	if err := s.notifier.NotifyOnline(ctx, ev, map[string][]session.Session{userID: ss}); err != nil {
		return 0, fmt.Errorf("online: logout %s: %w", userID, err)
	}
	if _, err := s.sessions.DropDevices(ctx, appID, userID, ss); err != nil {
		return 0, err
	}
	return len(ss), nil
}

// Reach is how many users and devices a broadcast was pushed to.
type Reach struct {
	Users   int `json:"users"`
	Devices int `json:"devices"`
}

// Broadcast pushes 9006 with data to the online devices of users, or of
// the whole app when users is empty. Over the app's budget it is refused
// with RateLimited saying when to retry.
func (s *Service) Broadcast(ctx context.Context, appID uint32, users []string, data json.RawMessage) (Reach, error) {
	ok, until, err := s.sessions.Allow(ctx, appID, "broadcast", s.limits.Broadcasts, s.limits.BroadcastWindow)
	if err != nil {
		return Reach{}, err
	}
	if !ok {
		return Reach{}, errcode.RateLimited.With(fmt.Sprintf("broadcast: at most %d per %s for this app; retry in %s",
			s.limits.Broadcasts, s.limits.BroadcastWindow, time.Until(until).Round(time.Second)))
	}
	if len(users) > 0 {
		online, err := s.sessions.Online(ctx, appID, users)
		if err != nil {
			return Reach{}, err
		}
		return s.push(ctx, appID, online, data)
	}
	var total Reach
	for cursor := uint64(0); ; {
		online, next, err := s.sessions.OnlinePage(ctx, appID, cursor, walkPage)
		if err != nil {
			return total, err
		}
		r, err := s.push(ctx, appID, online, data)
		total.Users, total.Devices = total.Users+r.Users, total.Devices+r.Devices
		if err != nil {
			return total, err
		}
		if cursor = next; cursor == 0 {
			return total, nil
		}
	}
}

// push sends one broadcast frame to every device in online.
func (s *Service) push(ctx context.Context, appID uint32, online map[string][]session.Session, data json.RawMessage) (Reach, error) {
	if len(online) == 0 {
		return Reach{}, nil
	}
	r := Reach{Users: len(online)}
	to := make([]string, 0, len(online))
	for u, ss := range online {
		to = append(to, u)
		r.Devices += len(ss)
	}
	ev := notify.Event{AppID: appID, Command: command.Broadcast, To: to, Data: data}
	if err := s.notifier.NotifyOnline(ctx, ev, online); err != nil {
		return Reach{}, fmt.Errorf("online: broadcast: %w", err)
	}
	return r, nil
}

func cmpDevice(at device.Type, ai string, bt device.Type, bi string) int {
	if at != bt {
		return int(at) - int(bt)
	}
	return strings.Compare(ai, bi)
}
