package gateway

import (
	"context"
	"time"
)

// sessionWatchEvery is how often the gateway checks that Redis still has
// its sessions: one EXISTS per gateway, whatever its connection count.
const sessionWatchEvery = 2 * time.Second

// watchSessions notices that Redis lost this gateway's sessions (it
// restarted without persistence, or was flushed) while clients stay
// connected: the domain would find those users offline and push them
// nothing until each session's next scheduled refresh (a third of the
// session TTL, a minute by default). It has every connection rewrite its
// session at its next ping instead.
func (g *Gateway) watchSessions(ctx context.Context) {
	t := time.NewTicker(sessionWatchEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			g.checkSessions(ctx)
		}
	}
}

// checkSessions reports whether the sessions were found lost (and their
// rewrite requested). A failed check waits for the next one: Redis may be
// down, and then the sessions cannot be rewritten anyway.
func (g *Gateway) checkSessions(ctx context.Context) bool {
	var authed []*conn
	for _, c := range g.hub.snapshot() {
		if c.authed() {
			authed = append(authed, c)
		}
	}
	if len(authed) == 0 {
		return false
	}
	ok, err := g.sessions.Indexed(ctx, g.cfg.BrokerID)
	if err != nil || ok {
		return false
	}
	for _, c := range authed {
		c.touched.Store(0)
	}
	g.log.Warn("this gateway's sessions are gone from Redis (restarted empty or flushed); every connection rewrites its session at its next ping",
		"connections", len(authed))
	return true
}
