package message

import (
	"context"

	"github.com/whaleim/whaleim/im-common/session"
)

// userSet is a set of users per app.
type userSet map[uint32]map[string]struct{}

func (u userSet) add(app uint32, user string) {
	if u[app] == nil {
		u[app] = map[string]struct{}{}
	}
	u[app][user] = struct{}{}
}

// prefetch is a presence lookup started before the store publish for the
// users a send batch will push to, so the flush after the confirm does not
// wait for it: the lookup overlaps the confirm's wait. A device that comes
// online in between misses that push and catches up by sync, as with any
// push (best effort).
type prefetch struct {
	asked userSet
	on    online
	err   error
	done  chan struct{}
}

// prefetchPresence starts the lookup of the admitted jobs' parties (sender,
// receiver or group members) and returns it.
func (s *Service) prefetchPresence(ctx context.Context, jobs []*job) *prefetch {
	users := userSet{}
	for _, j := range jobs {
		users.add(j.in.AppID, j.in.FromID)
		if !j.in.Group {
			users.add(j.in.AppID, j.in.Msg.ToID)
		}
		for _, m := range j.members {
			users.add(j.in.AppID, m)
		}
	}
	p := &prefetch{asked: users, on: online{}, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.err = s.lookup(ctx, users, p.on)
	}()
	return p
}

// wait adds what the prefetch found to out and removes from users those it
// asked about; after a failure it leaves users whole, so they are asked again.
func (p *prefetch) wait(ctx context.Context, out online, users userSet) error {
	select {
	case <-p.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if p.err != nil {
		return p.err
	}
	for app, set := range users {
		asked := p.asked[app]
		for u := range set {
			if _, ok := asked[u]; !ok {
				continue
			}
			delete(set, u)
			if ss := p.on[app][u]; len(ss) > 0 {
				if out[app] == nil {
					out[app] = map[string][]session.Session{}
				}
				out[app][u] = ss
			}
		}
	}
	return nil
}
