// Command imbench is the WhaleIM load tool: open-loop scenarios over the
// client protocol against a running platform, and the raw broker's
// pass-through on the same RabbitMQ for comparison. Run it with -h.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run1(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run1 is main without the process: exit code 0 on success, 1 on a
// contract violation or scenario error, 2 on bad flags or no platform.
func run1(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseConfig(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "imbench:", err)
		return 2
	}
	if cfg.cpuProfile != "" {
		stopProfile, err := startCPUProfile(cfg.cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "imbench:", err)
			return 2
		}
		defer stopProfile()
	}
	r := newRun(cfg, stdout)
	if cfg.needsPlatform() {
		if err := r.rest.ready(ctx); err != nil {
			fmt.Fprintln(stderr, "imbench:", err)
			return 2
		}
	}
	rep := &report{Started: time.Now().UTC(), Host: hostFacts(), Args: args, Errors: []string{}}
	fmt.Fprintf(stdout, "imbench %s: run %s, %d CPUs (%s), scenarios %s\n", version, r.prefix, rep.Host.CPUs,
		rep.Host.Model, strings.Join(cfg.scenarios, ","))
	r.startProgress()
	for _, s := range cfg.scenarios {
		if ctx.Err() != nil {
			rep.Errors = append(rep.Errors, "interrupted before "+s)
			break
		}
		if err := r.scenario(ctx, s, rep); err != nil {
			fmt.Fprintf(stderr, "imbench: %s: %v\n", s, err)
			rep.Errors = append(rep.Errors, fmt.Sprintf("%s: %v", s, err))
		}
	}
	r.stopProgress()
	r.finish(rep)
	fmt.Fprintln(stdout)
	printTables(stdout, rep)
	if cfg.jsonOut != "" {
		if err := writeJSON(cfg.jsonOut, rep); err != nil {
			fmt.Fprintln(stderr, "imbench:", err)
			return 1
		}
		fmt.Fprintln(stdout, "\nJSON written to", cfg.jsonOut)
	}
	if v := rep.violations(); v > 0 || len(rep.Errors) > 0 {
		fmt.Fprintf(stderr, "imbench: %d delivery-contract violations, %d errors\n", v, len(rep.Errors))
		return 1
	}
	return 0
}

// startCPUProfile profiles this process into path until the returned stop.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func newRun(cfg config, out io.Writer) *run {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return &run{cfg: cfg, out: out, rest: newRESTClient(cfg), prefix: "ib" + hex.EncodeToString(b),
		padding: strings.Repeat("x", cfg.bodySize), refusals: map[string]int64{}}
}

// scenario runs one named scenario and adds its results to rep.
func (r *run) scenario(ctx context.Context, name string, rep *report) error {
	fmt.Fprintf(r.out, "== %s\n", name)
	var s scenarioReport
	var err error
	switch name {
	case "pairs":
		s, err = r.pairs(ctx)
	case "small":
		s, err = r.groups(ctx, "small", r.cfg.smallCount, r.cfg.smallSize, r.cfg.smallRates)
	case "group200":
		s, err = r.groups(ctx, "group200", 1, 200, r.cfg.g200Rates)
	case "group2000":
		s, err = r.groups(ctx, "group2000", 1, 2000, r.cfg.g2000Rates)
	case "idle":
		rep.Idle, err = r.idle(ctx)
		return err
	case "broker":
		r.current.Store(nil)
		rep.Broker, err = rawBroker(ctx, r.cfg)
		if err == nil {
			fmt.Fprintf(r.out, "broker: %.0f msg/s through\n", rep.Broker.ConsumedPerSec)
		}
		return err
	}
	if err != nil {
		return err
	}
	rep.Scenarios = append(rep.Scenarios, s)
	return nil
}

// finish copies the run-wide counters into rep.
func (r *run) finish(rep *report) {
	r.mu.RLock()
	rep.Refusals = r.refusals
	r.mu.RUnlock()
	rep.Unexpected, rep.BadSeq, rep.ClientDropped = r.unexpected.Load(), r.badSeq.Load(), r.clientDropped.Load()
	rep.Timeline = r.timeline
	rep.Ratio = rep.ratio()
}
