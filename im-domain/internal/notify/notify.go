// Package notify pushes events (2xxx group, 3xxx friendship, 4000 user,
// 5xxx conversation commands) to the online devices of users. Every feature
// sends through Notifier; it finds the devices in the gateways' session
// hashes and publishes one mq.Push per gateway on im.downlink.
//
// Push is best-effort by design: a device that misses it catches up through
// incremental sync, so Notify reports errors for logging but the caller's
// change stands.
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/session"
)

// Event is one notification to the devices of some users.
type Event struct {
	AppID   uint32
	Command command.Code
	To      []string // user ids
	// ExcludeDevice is the device that made the change: it already knows.
	ExcludeDevice *device.ID
	// OnlyDevice, when set, is the one device of To that gets the event
	// (an admin's single-device logout).
	OnlyDevice *device.ID
	// ToID and MessageID fill the downlink envelope fields of the same name.
	ToID      string
	MessageID string
	Data      any // marshalled to JSON as the envelope's data
	// Close asks the gateways to close the targets' connections after the
	// frame (a 9002 that ends a session).
	Close bool
}

// Sessions reads who is online where (redisdb.Sessions); it returns only
// live sessions.
type Sessions interface {
	Online(ctx context.Context, appID uint32, userIDs []string) (map[string][]session.Session, error)
}

// Publisher publishes one message (the rabbit publisher, or the standalone
// binary's in-process queue).
type Publisher interface {
	Publish(ctx context.Context, exchange, key string, body []byte) error
}

// Notifier fans events out to gateways.
type Notifier struct {
	sessions Sessions
	pub      Publisher
}

// New returns a Notifier.
func New(sessions Sessions, pub Publisher) *Notifier {
	return &Notifier{sessions: sessions, pub: pub}
}

// Notify publishes ev to every gateway holding a target device.
func (n *Notifier) Notify(ctx context.Context, ev Event) error {
	online, err := n.sessions.Online(ctx, ev.AppID, dedup(ev.To))
	if err != nil {
		return fmt.Errorf("notify %d: sessions: %w", ev.Command, err)
	}
	return n.NotifyOnline(ctx, ev, online)
}

// NotifyOnline is Notify for a caller that already read the sessions of
// ev.To (a broadcast walking the online users page by page).
func (n *Notifier) NotifyOnline(ctx context.Context, ev Event, online map[string][]session.Session) error {
	data, err := json.Marshal(ev.Data)
	if err != nil {
		return fmt.Errorf("notify %d: marshal: %w", ev.Command, err)
	}
	var errs []error
	for broker, to := range ByGateway(ev, online) {
		push := mq.Push{Version: mq.Version, Command: ev.Command, AppID: ev.AppID, To: to,
			ToID: ev.ToID, MessageID: ev.MessageID, Data: data, Close: ev.Close}
		body, err := json.Marshal(push)
		if err == nil {
			err = n.pub.Publish(ctx, mq.ExchangeDownlink, broker, body)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("notify %d to gateway %s: %w", ev.Command, broker, err))
		}
	}
	return errors.Join(errs...)
}

// ByGateway groups the devices of ev.To's users in online by the gateway
// holding them, leaving out the excluded device; each gateway's devices are
// sorted. online may hold other users too (a batch's presence).
func ByGateway(ev Event, online map[string][]session.Session) map[string][]device.ID {
	out := map[string][]device.ID{}
	for _, user := range dedup(ev.To) {
		for _, s := range online[user] {
			id := device.ID{AppID: ev.AppID, UserID: user, Type: s.ClientType, IMEI: s.IMEI}
			if (ev.ExcludeDevice != nil && *ev.ExcludeDevice == id) || (ev.OnlyDevice != nil && *ev.OnlyDevice != id) {
				continue
			}
			out[s.Broker] = append(out[s.Broker], id)
		}
	}
	for _, ids := range out {
		slices.SortFunc(ids, func(a, b device.ID) int {
			if c := strings.Compare(a.UserID, b.UserID); c != 0 {
				return c
			}
			return strings.Compare(a.Field(), b.Field())
		})
	}
	return out
}

func dedup(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// Discard is a Publisher that drops everything, for a domain started
// without a message broker (tests, tools).
type Discard struct{}

// Publish implements Publisher.
func (Discard) Publish(context.Context, string, string, []byte) error { return nil }
