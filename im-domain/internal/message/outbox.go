package message

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
)

// outbox collects the pushes of one batch (up-ACKs, deliveries, relays) in
// the order they must reach the devices, and sends them as ONE mq.PushBatch
// per gateway, after one presence lookup for all their users.
type outbox struct {
	entries []outEntry
	offline []offlineCandidate      // messages whose offline receivers get an offline push
	after   []func(context.Context) // the sends' after-callbacks (afterSend)
	early   *prefetch               // presence asked for ahead of the flush, or nil
}

// outEntry is one event: to the devices of ev.To that are online, or, with
// device set, to that one device on broker (no presence lookup).
type outEntry struct {
	ev     notify.Event
	device *device.ID
	broker string
	// unlessOnline: sent only if this user has no live device.
	unlessOnline string
}

// notify queues ev for the online devices of its users.
func (o *outbox) notify(ev notify.Event) { o.entries = append(o.entries, outEntry{ev: ev}) }

// direct queues an event for one known device on its gateway.
func (o *outbox) direct(to *device.ID, broker string, cmd command.Code, messageID string, data any) {
	ev := notify.Event{AppID: to.AppID, Command: cmd, ToID: to.UserID, MessageID: messageID, Data: data}
	o.entries = append(o.entries, outEntry{ev: ev, device: to, broker: broker})
}

// alone runs one command outside an uplink batch (the REST API, tests)
// with an outbox of its own, flushed whatever the outcome: what the command
// did before a refusal or a failure is still pushed.
func (s *Service) alone(ctx context.Context, run func(o *outbox) error) error {
	var o outbox
	defer s.flush(ctx, &o)
	return run(&o)
}

// online is the presence of the batch's users, per app.
type online map[uint32]map[string][]session.Session

// flush publishes the outbox. Best effort like every push: a device that
// misses one catches up by sync; a failed presence lookup drops the
// presence-dependent events but not the direct ones (the up-ACKs).
func (s *Service) flush(ctx context.Context, o *outbox) {
	if len(o.after) > 0 { // alongside the pushes, done before the flush returns
		done := make(chan struct{})
		go func() { runAfter(ctx, o.after); close(done) }()
		defer func() { <-done }()
	}
	if len(o.entries) == 0 {
		return
	}
	start := time.Now()
	defer func() { s.d.Observer.Stage(StagePush, time.Since(start)) }()
	on, err := s.presence(ctx, o)
	if err != nil {
		s.log.WarnContext(ctx, "presence failed, only direct pushes sent", "err", err)
	}
	byGateway := map[string][]mq.Push{}
	for i := range o.entries {
		if err := route(&o.entries[i], on, byGateway); err != nil {
			s.log.WarnContext(ctx, "push dropped", "command", o.entries[i].ev.Command, "err", err)
		}
	}
	var wg sync.WaitGroup
	if len(o.offline) > 0 && on != nil {
		wg.Go(func() {
			if evs := offlineEvents(o.offline, on); len(evs) > 0 {
				s.d.Offline.Offline(ctx, evs)
			}
		})
	}
	s.publishPushes(ctx, byGateway)
	wg.Wait()
}

// presence looks up every user the outbox needs, one pipelined call per
// app; users a prefetch (o.early) already asked about are not asked again.
func (s *Service) presence(ctx context.Context, o *outbox) (online, error) {
	users := userSet{}
	for _, e := range o.entries {
		if e.unlessOnline != "" {
			users.add(e.ev.AppID, e.unlessOnline)
		}
		if e.device == nil {
			for _, u := range e.ev.To {
				users.add(e.ev.AppID, u)
			}
		}
	}
	out := online{}
	if o.early != nil {
		if err := o.early.wait(ctx, out, users); err != nil {
			s.log.WarnContext(ctx, "presence prefetch failed, looked up again", "err", err)
		}
	}
	return out, s.lookup(ctx, users, out)
}

// lookup adds the sessions of users to out, one pipelined call per app.
func (s *Service) lookup(ctx context.Context, users userSet, out online) error {
	for app, set := range users {
		if len(set) == 0 {
			continue
		}
		ids := make([]string, 0, len(set))
		for u := range set {
			ids = append(ids, u)
		}
		m, err := s.d.Presence.Online(ctx, app, ids)
		if err != nil {
			return err
		}
		if out[app] == nil {
			out[app] = m
			continue
		}
		maps.Copy(out[app], m)
	}
	return nil
}

// route appends e's pushes to the lists of their gateways. With on nil
// (presence failed) only direct events go out.
func route(e *outEntry, on online, byGateway map[string][]mq.Push) error {
	if e.unlessOnline != "" && (on == nil || len(on[e.ev.AppID][e.unlessOnline]) > 0) {
		return nil
	}
	if e.device == nil && on == nil {
		return nil
	}
	data, err := json.Marshal(e.ev.Data)
	if err != nil {
		return fmt.Errorf("marshal: %w", err)
	}
	push := mq.Push{Version: mq.Version, Command: e.ev.Command, AppID: e.ev.AppID,
		ToID: e.ev.ToID, MessageID: e.ev.MessageID, Data: data}
	if e.device != nil {
		push.To = []device.ID{*e.device}
		byGateway[e.broker] = append(byGateway[e.broker], push)
		return nil
	}
	for gw, to := range notify.ByGateway(e.ev, on[e.ev.AppID]) {
		p := push
		p.To = to
		byGateway[gw] = append(byGateway[gw], p)
	}
	return nil
}

// publishPushes sends one PushBatch per gateway, all at once.
func (s *Service) publishPushes(ctx context.Context, byGateway map[string][]mq.Push) {
	var wg sync.WaitGroup
	for gw, pushes := range byGateway {
		s.d.Observer.Batch(BatchPushes, len(pushes))
		body := mq.AppendPushes(nil, pushes)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.d.Pushes.Publish(ctx, mq.ExchangeDownlink, gw, body); err != nil {
				s.log.WarnContext(ctx, "push batch failed", "gateway", gw, "pushes", len(pushes), "err", err)
			}
		}()
	}
	wg.Wait()
}
