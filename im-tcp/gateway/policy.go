package gateway

import (
	"context"
	"encoding/json"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/session"
)

// eviction is one session a login ends.
type eviction struct {
	id   device.ID
	sess session.Session
	// kick sends 9002 (displaced by policy); otherwise the device replaced
	// its own older connection and the old one is closed quietly.
	kick bool
}

// evictions decides which of the user's sessions (as they were before the
// login of nu) end. Pure, so the policy rules are unit-tested directly.
// Stale sessions (not refreshed within ttl) are evicted without a kick.
func evictions(nu device.ID, broker string, policy device.Policy, before map[string]session.Session, now time.Time, ttl time.Duration) []eviction {
	var out []eviction
	for field, s := range before {
		id := device.ID{AppID: nu.AppID, UserID: nu.UserID, Type: s.ClientType, IMEI: s.IMEI}
		switch {
		case field == nu.Field():
			if s.Broker != broker { // same device, old connection on another node
				out = append(out, eviction{id: id, sess: s})
			}
		case !s.Alive(now, ttl):
			out = append(out, eviction{id: id, sess: s})
		case policy.Displaced(s.ClientType, s.IMEI, nu.Type, nu.IMEI):
			out = append(out, eviction{id: id, sess: s, kick: true})
		}
	}
	return out
}

// applyPolicy ends the sessions displaced by the login of nu: local
// connections get 9002 and are closed, remote ones get the same through
// their gateway's downlink queue, and their session fields are deleted.
func (g *Gateway) applyPolicy(ctx context.Context, nu device.ID, policy device.Policy, before map[string]session.Session) {
	for _, ev := range evictions(nu, g.cfg.BrokerID, policy, before, time.Now(), g.cfg.SessionTTL) {
		if ev.kick {
			g.metrics.kicks.Inc()
		}
		switch {
		case ev.sess.Broker == g.cfg.BrokerID:
			if c := g.hub.lookup(ev.id); c != nil && c.sess.LoginTime == ev.sess.LoginTime {
				if ev.kick {
					c.kick()
				} else {
					c.shutdown()
				}
			}
		case ev.kick || ev.id.Field() == nu.Field():
			g.kickRemote(ctx, ev.id, ev.sess.Broker)
		}
		if ev.id.Field() != nu.Field() {
			if _, err := g.sessions.Remove(ctx, ev.id, ev.sess); err != nil {
				g.log.Warn("displaced session removal failed", "user", ev.id.UserID, "err", err)
			}
		}
	}
}

// kick tells the client it was logged out by another device and closes.
func (c *conn) kick() {
	c.notify(command.MutualLogin, status(errcode.Kicked), true)
}

// kickRemote asks the gateway holding id to send 9002 and close.
func (g *Gateway) kickRemote(ctx context.Context, id device.ID, broker string) {
	data, _ := json.Marshal(status(errcode.Kicked)) // a number and a string: cannot fail
	push := mq.Push{Version: mq.Version, Command: command.MutualLogin, AppID: id.AppID, To: []device.ID{id},
		ToID: id.UserID, Data: data, Close: true}
	body, err := json.Marshal(push)
	if err == nil {
		err = g.publish(ctx, mq.ExchangeDownlink, broker, body)
	}
	if err != nil {
		// Unroutable means that gateway is gone, and its connections with it.
		g.log.Info("remote kick not delivered", "broker", broker, "user", id.UserID, "err", err)
	}
}
