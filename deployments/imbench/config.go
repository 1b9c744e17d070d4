package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// config is everything a run needs, from the command line.
type config struct {
	restURL, tcpAddr, wsURL string
	transport               string
	appID                   uint32
	secret, admin           string
	rabbitURL               string

	scenarios  []string
	pairs      int
	pairRates  []float64
	smallCount int
	smallSize  int
	smallRates []float64
	g200Rates  []float64
	g2000Rates []float64
	idleConns  int

	step, drain, finalDrain time.Duration
	bodySize                int
	maxInflight             int
	connectWorkers          int
	stopOnSaturation        bool
	saturationP99           time.Duration

	brokerDuration time.Duration
	brokerWindow   int
	brokerQueue    string

	procs      []procSpec
	jsonOut    string
	quiet      bool
	cpuProfile string
}

const usage = `imbench: open-loop load for a running WhaleIM platform, plus the raw broker.

It creates its own users and groups through the REST API (signed as the app
admin), logs its devices in over the client protocol, and runs the scenarios
in order. Every message is scheduled at a constant rate (open loop); latency
is measured from the intended send time, so a stalled platform shows as
latency, not as a lower offered load. Receivers answer 1:1 messages with
receive-ACKs (1107). Lost (up-ACKed, never delivered), duplicate and
out-of-order deliveries are counted per conversation by seq.

Scenarios (-scenarios, comma separated, run in the order given):
  pairs      1:1 fixed pairs, one step per -pair-rates entry (messages/s in total)
  small      -small-groups groups of -small-size members, -small-rates group messages/s
  group200   one 200-member group, -g200-rates group messages/s
  group2000  one 2,000-member group, -g2000-rates group messages/s (raises the
             app's maxGroupSize to 2,000 through REST when it is lower)
  idle       -idle idle authenticated connections: gateway memory per connection
  broker     raw RabbitMQ: one durable queue, persistent, confirmed, manual ack

A step is saturated when it delivers under 90 % of the offered rate, is not
drained within -drain, or its send->receive p99 exceeds -saturation-p99; a
ramp stops at its first saturated step unless -stop-on-saturation=false.

Flags:
`

func parseConfig(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("imbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	fs.StringVar(&c.restURL, "rest", "http://127.0.0.1:18000", "domain REST base URL")
	fs.StringVar(&c.tcpAddr, "tcp", "127.0.0.1:19001", "gateway TCP address (-transport tcp)")
	fs.StringVar(&c.wsURL, "ws", "ws://127.0.0.1:19002/ws", "gateway WebSocket URL (-transport ws)")
	fs.StringVar(&c.transport, "transport", "ws", "client transport: ws or tcp")
	appID := fs.Uint("app-id", 10000, "app id (IM_APP_ID of the domain)")
	fs.StringVar(&c.secret, "secret", os.Getenv("IM_APP_SECRET"), "app secret (default $IM_APP_SECRET)")
	fs.StringVar(&c.admin, "admin", "admin", "app admin identifier (IM_APP_ADMIN)")
	fs.StringVar(&c.rabbitURL, "rabbit", "amqp://guest:guest@127.0.0.1:5672/", "RabbitMQ URL for the broker scenario")
	scen := fs.String("scenarios", "pairs,small,group200,group2000,idle,broker", "scenarios to run, in order")
	fs.IntVar(&c.pairs, "pairs", 200, "1:1 sender/receiver pairs")
	pr := fs.String("pair-rates", "500,1000,2000,5000,10000", "1:1 ramp: total messages/s per step")
	fs.IntVar(&c.smallCount, "small-groups", 20, "number of small groups")
	fs.IntVar(&c.smallSize, "small-size", 10, "members per small group")
	sr := fs.String("small-rates", "100,500,1000,2000", "small groups ramp: total group messages/s per step")
	g2 := fs.String("g200-rates", "50,100,250,500", "200-member group ramp: group messages/s per step")
	g3 := fs.String("g2000-rates", "5,10,25,50", "2,000-member group ramp: group messages/s per step")
	fs.IntVar(&c.idleConns, "idle", 5000, "idle connections")
	fs.DurationVar(&c.step, "step", 10*time.Second, "send time of each ramp step")
	fs.DurationVar(&c.drain, "drain", 10*time.Second, "longest wait after a step for its messages")
	fs.DurationVar(&c.finalDrain, "final-drain", 60*time.Second, "longest wait at the end of a scenario before counting lost")
	fs.IntVar(&c.bodySize, "body", 100, "message body bytes")
	fs.IntVar(&c.maxInflight, "max-inflight", 200000, "sends not yet up-ACKed (all senders); beyond it sends are skipped and counted")
	fs.IntVar(&c.connectWorkers, "connect-workers", 32, "concurrent logins")
	fs.BoolVar(&c.stopOnSaturation, "stop-on-saturation", true, "end a ramp at its first saturated step")
	fs.DurationVar(&c.saturationP99, "saturation-p99", time.Second, "a step whose send->receive p99 exceeds this is saturated")
	fs.DurationVar(&c.brokerDuration, "broker-time", 10*time.Second, "raw broker measuring time")
	fs.IntVar(&c.brokerWindow, "broker-window", 1000, "raw broker: unconfirmed publishes in flight (also the consumer prefetch)")
	fs.StringVar(&c.brokerQueue, "broker-queue-type", "classic", "raw broker queue type: classic or quorum")
	procs := fs.String("procs", "im-tcp,im-domain,im-message-store,beam.smp,mariadbd,redis-server",
		"processes to measure: name (every process with that command name) or name=pid[+pid...]")
	fs.StringVar(&c.jsonOut, "json", "imbench.json", "JSON result file (empty: none)")
	fs.BoolVar(&c.quiet, "quiet", false, "no per-second progress lines")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write imbench's own CPU profile to this file")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.appID = uint32(*appID)
	c.scenarios = splitList(*scen)
	var errs []error
	for _, f := range []struct {
		name string
		in   string
		out  *[]float64
	}{{"pair-rates", *pr, &c.pairRates}, {"small-rates", *sr, &c.smallRates}, {"g200-rates", *g2, &c.g200Rates}, {"g2000-rates", *g3, &c.g2000Rates}} {
		v, err := parseRates(f.in)
		if err != nil {
			errs = append(errs, fmt.Errorf("-%s: %w", f.name, err))
		}
		*f.out = v
	}
	ps, err := parseProcs(*procs)
	errs = append(errs, err)
	c.procs = ps
	errs = append(errs, c.validate())
	return c, errors.Join(errs...)
}

func (c config) validate() error {
	var errs []error
	known := map[string]bool{"pairs": true, "small": true, "group200": true, "group2000": true, "idle": true, "broker": true}
	for _, s := range c.scenarios {
		if !known[s] {
			errs = append(errs, fmt.Errorf("-scenarios: unknown scenario %q", s))
		}
	}
	if c.transport != "ws" && c.transport != "tcp" {
		errs = append(errs, fmt.Errorf("-transport: %q is neither ws nor tcp", c.transport))
	}
	if c.secret == "" && c.needsPlatform() {
		errs = append(errs, errors.New("-secret (or $IM_APP_SECRET) is required to sign as the admin and the users"))
	}
	if c.bodySize < 32 {
		errs = append(errs, errors.New("-body: at least 32 bytes (the body carries the phase and the intended send time)"))
	}
	if c.pairs < 1 || c.smallCount < 1 || c.smallSize < 2 || c.idleConns < 0 || c.maxInflight < 1 || c.connectWorkers < 1 {
		errs = append(errs, errors.New("-pairs, -small-groups, -max-inflight and -connect-workers must be positive, -small-size at least 2"))
	}
	return errors.Join(errs...)
}

// needsPlatform reports whether any scenario talks to the platform.
func (c config) needsPlatform() bool {
	for _, s := range c.scenarios {
		if s != "broker" {
			return true
		}
	}
	return false
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func parseRates(s string) ([]float64, error) {
	var out []float64
	for _, f := range splitList(s) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("%q is not a positive rate", f)
		}
		out = append(out, v)
	}
	return out, nil
}
