package fault

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// Scenario is one fault: Inject breaks something at FaultAt into the
// load, Heal repairs it Hold later (both may block: a restart waits until
// the service is ready again, while the load goes on).
type Scenario struct {
	Name   string
	Hold   time.Duration
	Inject func(ctx context.Context, e *Env) error
	Heal   func(ctx context.Context, e *Env) error
	// Verify, if set, checks what the scenario promises besides the
	// ledger, after the final sync.
	Verify func(ctx context.Context, e *Env) error
}

// Params shape the load of a run.
type Params struct {
	Rate     int           // messages per second, open loop
	Duration time.Duration // of the load
	FaultAt  time.Duration // into the load
}

// DefaultParams: 100 messages/s for 30 s, the fault 8 s in.
var DefaultParams = Params{Rate: 100, Duration: 30 * time.Second, FaultAt: 8 * time.Second}

// Quiet is how long no delivery may arrive before the run counts as
// quiescent.
const Quiet = 3 * time.Second

// Run runs one scenario on a fresh platform and returns its report.
func (e *Env) Run(ctx context.Context, sc Scenario, p Params) (*Report, error) {
	if err := e.StartPlatform(ctx); err != nil {
		return nil, err
	}
	defer e.StopPlatform(context.Background())
	f, err := newFleet(ctx, e)
	if err != nil {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	defer f.close()
	e.wire.Store(wireTap(f.onWire))
	if err := f.start(); err != nil {
		return nil, err
	}
	e.logf("%s: %d devices (%d senders), %d msgs/s for %v, fault at %v", sc.Name, len(f.devs), len(f.senders),
		p.Rate, p.Duration, p.FaultAt)
	r := &Report{Scenario: sc.Name}
	faultErr := make(chan error, 1)
	var phase atomic.Value
	phase.Store("none")
	stop := e.progress(f, &phase, sc.Name)
	defer stop()
	if err := f.load(ctx, p, func() { go func() { faultErr <- e.fault(ctx, sc, r, &phase) }() }); err != nil {
		return nil, err
	}
	if err := <-faultErr; err != nil {
		return nil, fmt.Errorf("%s: %w", sc.Name, err)
	}
	e.logf("%s: load stopped, fault healed; waiting for quiescence", sc.Name)
	f.quiesce(60 * time.Second)
	r.SyncAt = time.Now()
	if err := f.resync(); err != nil {
		return nil, fmt.Errorf("final sync: %w", err)
	}
	f.quiesce(30 * time.Second)
	rows, err := e.readRows(ctx)
	if err != nil {
		return nil, err
	}
	f.check(r, rows)
	if sc.Verify != nil {
		if err := sc.Verify(ctx, e); err != nil {
			r.VerifyErr = err.Error()
		}
	}
	return r, nil
}

// fault injects, holds and heals, noting when the fault ended.
func (e *Env) fault(ctx context.Context, sc Scenario, r *Report, phase *atomic.Value) error {
	r.FaultStart = time.Now()
	phase.Store("ON")
	e.logf("%s: inject", sc.Name)
	if err := sc.Inject(ctx, e); err != nil {
		return fmt.Errorf("inject: %w", err)
	}
	time.Sleep(sc.Hold) // the fault lasts this long
	e.logf("%s: heal", sc.Name)
	if sc.Heal != nil {
		if err := sc.Heal(ctx, e); err != nil {
			return fmt.Errorf("heal: %w", err)
		}
	}
	r.FaultEnd = time.Now()
	phase.Store("healed")
	e.logf("%s: healed %v after the injection", sc.Name, r.FaultEnd.Sub(r.FaultStart).Round(time.Millisecond))
	return nil
}

// load sends at p.Rate for p.Duration, round robin over the senders, and
// calls inject once at p.FaultAt.
func (f *fleet) load(ctx context.Context, p Params, inject func()) error {
	t := time.NewTicker(time.Second / time.Duration(p.Rate))
	defer t.Stop()
	start := time.Now()
	injected := false
	for k := 0; ; k++ {
		now := <-t.C
		if now.Sub(start) >= p.Duration {
			return nil
		}
		if !injected && now.Sub(start) >= p.FaultAt {
			injected = true
			inject()
		}
		if err := f.send(ctx, f.senders[k%len(f.senders)], k); err != nil {
			return fmt.Errorf("send: %w", err)
		}
	}
}

// quiesce waits until every send is answered, every device connected and
// no delivery arrived for Quiet, or limit.
func (f *fleet) quiesce(limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		pr := f.led.progress()
		if f.pending() == 0 && f.connected() == len(f.devs) && time.Since(pr.lastRecv) > Quiet {
			return
		}
		time.Sleep(200 * time.Millisecond) // polling the ledger
	}
}

// progress prints one line per second until the returned stop is called.
func (e *Env) progress(f *fleet, phase *atomic.Value, name string) (stop func()) {
	done := make(chan struct{})
	start := time.Now()
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				pr := f.led.progress()
				state := phase.Load()
				e.logf("%s t=%ds fault=%v conns=%d/%d sent=%d acked=%d refused=%d deliv=%d pending=%d reconnects=%d",
					name, int(time.Since(start).Seconds()), state, f.connected(), len(f.devs), pr.attempted, pr.acked,
					pr.nacked, pr.delivered, f.pending(), pr.reconnects)
			}
		}
	}()
	return func() { close(done) }
}
