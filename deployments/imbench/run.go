package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-sdk/go/imclient"
)

// run is one invocation: its phases, global counters and timeline.
type run struct {
	cfg     config
	out     io.Writer
	rest    *restClient
	prefix  string // makes this run's user and group ids unique
	padding string

	mu       sync.RWMutex
	phases   []*phase
	refusals map[string]int64

	current                           atomic.Pointer[phase]
	devices                           atomic.Int64
	offered, sent, acked, delivered   atomic.Int64
	inflight                          atomic.Int64
	unexpected, badSeq, clientDropped atomic.Int64
	timeline                          []second
	tick0                             time.Time
	lastOffered, lastSent, lastAcked  int64
	lastDelivered                     int64
	progressStop                      chan struct{}
	progressDone                      chan struct{}
}

// phase is one step of a ramp: one offered rate for one scenario.
type phase struct {
	id       int
	scenario string
	rate     float64
	fanout   int // deliveries expected per up-ACKed message
	start    time.Time
	sendEnd  time.Time
	drained  bool

	offered, skipped, sent, sendErr atomic.Int64
	acked, refused, delivered       atomic.Int64
	dup, ooo                        atomic.Int64
	lastAck, lastDelivery           atomic.Int64 // unix ns
	ack, e2e                        *latency
	before, after                   map[string]procUsage
	busyBefore, busyAfter           float64
	loadAvg                         float64 // at the end of the step
}

func (r *run) newPhase(scenario string, rate float64, fanout int) *phase {
	r.mu.Lock()
	defer r.mu.Unlock()
	ph := &phase{id: len(r.phases), scenario: scenario, rate: rate, fanout: fanout, ack: newLatency(), e2e: newLatency()}
	r.phases = append(r.phases, ph)
	return ph
}

func (r *run) phase(id int) *phase {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if id < 0 || id >= len(r.phases) {
		return nil
	}
	return r.phases[id]
}

func (r *run) noteRefusal(code errcode.Code, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refusals[fmt.Sprintf("%d %s", code, msg)]++
}

// ramp runs one phase per rate over convs, each sender taking an equal
// share of the rate, then waits for the scenario's last messages.
func (r *run) ramp(ctx context.Context, scenario string, convs []*conv, rates []float64) []*phase {
	var done []*phase
	fanout := len(convs[0].receivers)
	for _, rate := range rates {
		if ctx.Err() != nil {
			break
		}
		ph := r.step(ctx, scenario, convs, rate, fanout)
		done = append(done, ph)
		if r.saturated(ph) && r.cfg.stopOnSaturation {
			fmt.Fprintf(r.out, "%s: saturated at %.0f/s offered; ramp ends here\n", scenario, rate)
			break
		}
	}
	r.waitAll(ctx, done, r.cfg.finalDrain)
	return done
}

// step offers rate messages/s for cfg.step, then waits for them up to cfg.drain.
func (r *run) step(ctx context.Context, scenario string, convs []*conv, rate float64, fanout int) *phase {
	ph := r.newPhase(scenario, rate, fanout)
	ph.before, ph.busyBefore = sample(r.cfg.procs), machineBusy()
	ph.start = time.Now()
	r.current.Store(ph)
	until := ph.start.Add(r.cfg.step)
	interval := time.Duration(float64(time.Second) * float64(len(convs)) / rate)
	capPerSender := int64(max(1, r.cfg.maxInflight/len(convs)))
	var wg sync.WaitGroup
	for i, c := range convs {
		offset := interval * time.Duration(i) / time.Duration(len(convs))
		wg.Go(func() { r.drive(ctx, ph, c, ph.start.Add(offset), interval, until, capPerSender) })
	}
	wg.Wait()
	ph.sendEnd, ph.loadAvg = time.Now(), loadAverage()
	ph.drained = r.waitAll(ctx, []*phase{ph}, r.cfg.drain)
	ph.after, ph.busyAfter = sample(r.cfg.procs), machineBusy()
	return ph
}

// drive is one sender's open-loop schedule: a message is due every
// interval from next on, whatever happened to the previous ones; a late
// send goes out at once and keeps its intended time.
func (r *run) drive(ctx context.Context, ph *phase, c *conv, next time.Time, interval time.Duration, until time.Time, capPending int64) {
	d := c.sender
	timer := time.NewTimer(0)
	defer timer.Stop()
	for ; next.Before(until); next = next.Add(interval) {
		if wait := time.Until(next); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
		}
		ph.offered.Add(1)
		r.offered.Add(1)
		d.mu.Lock()
		full := int64(len(d.pending)) >= capPending
		d.mu.Unlock()
		if full {
			ph.skipped.Add(1)
			continue
		}
		r.send(ph, c, next.UnixNano())
	}
}

func (r *run) send(ph *phase, c *conv, intended int64) {
	d := c.sender
	id := imclient.NewMessageID()
	d.mu.Lock()
	d.pending[id] = pend{ph: ph, intended: intended}
	d.mu.Unlock()
	r.inflight.Add(1)
	err := d.c.Post(imclient.Message{MessageID: id, ToID: c.toID, GroupID: c.groupID, Body: r.body(ph, intended)})
	if err != nil {
		d.mu.Lock()
		_, still := d.pending[id]
		delete(d.pending, id)
		d.mu.Unlock()
		if still {
			r.inflight.Add(-1)
		}
		ph.sendErr.Add(1)
		return
	}
	ph.sent.Add(1)
	r.sent.Add(1)
}

// settled reports whether every send of ph is answered and every
// up-ACKed message reached every receiver.
func (ph *phase) settled() bool {
	answered := ph.acked.Load() + ph.refused.Load()
	return answered >= ph.sent.Load() && ph.delivered.Load() >= ph.acked.Load()*int64(ph.fanout)
}

// waitAll polls until every phase settled or timeout; it reports success.
func (r *run) waitAll(ctx context.Context, phs []*phase, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		all := true
		for _, ph := range phs {
			all = all && ph.settled()
		}
		if all {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
}

// deliveredRate is the phase's deliveries per second from its start to
// its last delivery.
func (ph *phase) deliveredRate() float64 {
	last := ph.lastDelivery.Load()
	if last == 0 {
		return 0
	}
	return float64(ph.delivered.Load()) / max(time.Unix(0, last).Sub(ph.start).Seconds(), 1e-3)
}

// saturated: the phase did not drain in time, skipped or failed sends,
// delivered under 90 % of what was offered, or its p99 exceeds the bound.
func (r *run) saturated(ph *phase) bool {
	want := ph.rate * float64(ph.fanout)
	p99 := time.Duration(ph.e2e.summary().P99 * float64(time.Millisecond))
	return !ph.drained || ph.skipped.Load() > 0 || ph.sendErr.Load() > 0 || ph.deliveredRate() < 0.9*want ||
		p99 > r.cfg.saturationP99
}

// second is one row of the timeline.
type second struct {
	T         int     `json:"t"`
	Phase     string  `json:"phase"`
	Offered   int64   `json:"offered"`
	Sent      int64   `json:"sent"`
	Acked     int64   `json:"upAcked"`
	Delivered int64   `json:"delivered"`
	Inflight  int64   `json:"inflight"`
	E2EP99    float64 `json:"e2eP99MsSoFar"`
}

// startProgress samples the counters every second until stopProgress.
func (r *run) startProgress() {
	r.tick0 = time.Now()
	r.progressStop, r.progressDone = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(r.progressDone)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-r.progressStop:
				return
			case <-t.C:
				r.tick()
			}
		}
	}()
}

func (r *run) stopProgress() {
	close(r.progressStop)
	<-r.progressDone
}

func (r *run) tick() {
	o, s, a, d := r.offered.Load(), r.sent.Load(), r.acked.Load(), r.delivered.Load()
	row := second{T: int(time.Since(r.tick0).Round(time.Second).Seconds()), Offered: o - r.lastOffered,
		Sent: s - r.lastSent, Acked: a - r.lastAcked, Delivered: d - r.lastDelivered, Inflight: r.inflight.Load()}
	r.lastOffered, r.lastSent, r.lastAcked, r.lastDelivered = o, s, a, d
	if ph := r.current.Load(); ph != nil {
		row.Phase = ph.label()
		row.E2EP99 = ph.e2e.summary().P99
	}
	r.timeline = append(r.timeline, row)
	if !r.cfg.quiet {
		fmt.Fprintf(r.out, "%4ds %-22s offered %6d sent %6d up-acked %6d delivered %7d in-flight %6d p99 %.1f ms\n",
			row.T, row.Phase, row.Offered, row.Sent, row.Acked, row.Delivered, row.Inflight, row.E2EP99)
	}
}

func (ph *phase) label() string {
	return fmt.Sprintf("%s %s/s", ph.scenario, strings.TrimSuffix(fmt.Sprintf("%g", ph.rate), ".0"))
}
