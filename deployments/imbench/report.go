package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// report is the whole run, as written to JSON.
type report struct {
	Started       time.Time        `json:"started"`
	Host          hostInfo         `json:"host"`
	Args          []string         `json:"args"`
	Scenarios     []scenarioReport `json:"scenarios"`
	Idle          *idleReport      `json:"idle,omitempty"`
	Broker        *brokerReport    `json:"broker,omitempty"`
	Ratio         float64          `json:"best1to1DeliveredToBrokerRatio,omitempty"`
	Refusals      map[string]int64 `json:"refusals"`
	Unexpected    int64            `json:"unexpectedEnvelopes"`
	BadSeq        int64            `json:"badSeq"`
	ClientDropped int64            `json:"clientDropped"`
	Timeline      []second         `json:"timeline"`
	Errors        []string         `json:"errors"`
}

type hostInfo struct {
	CPUs     int    `json:"cpus"`
	Model    string `json:"model"`
	MemBytes int64  `json:"memBytes"`
}

type scenarioReport struct {
	Name       string        `json:"name"`
	Devices    int           `json:"devices"`
	Phases     []phaseReport `json:"phases"`
	Lost       int64         `json:"lost"`
	Duplicates int64         `json:"duplicates"`
	OutOfOrder int64         `json:"outOfOrder"`
}

type phaseReport struct {
	Label           string               `json:"label"`
	Rate            float64              `json:"offeredRate"`
	Fanout          int                  `json:"fanout"`
	StepSeconds     float64              `json:"stepSeconds"`
	Offered         int64                `json:"offered"`
	Skipped         int64                `json:"skipped"`
	Sent            int64                `json:"sent"`
	SendErrors      int64                `json:"sendErrors"`
	UpAcked         int64                `json:"upAcked"`
	Refused         int64                `json:"refused"`
	Delivered       int64                `json:"delivered"`
	Missing         int64                `json:"missingAtEnd"`
	Duplicates      int64                `json:"duplicates"`
	OutOfOrder      int64                `json:"outOfOrder"`
	OfferedPerSec   float64              `json:"offeredPerSec"`
	SentPerSec      float64              `json:"sentPerSec"`
	UpAckedPerSec   float64              `json:"upAckedPerSec"`
	DeliveredPerSec float64              `json:"deliveredPerSec"`
	UpAck           summary              `json:"upAckLatency"`
	SendToReceive   summary              `json:"sendToReceiveLatency"`
	Drained         bool                 `json:"drainedInTime"`
	Saturated       bool                 `json:"saturated"`
	Usage           map[string]procUsage `json:"usage"`
	ServerCPU       float64              `json:"serverCpuSeconds"`
	PidCPU          float64              `json:"byPidCpuSeconds"`
	MachineBusy     float64              `json:"machineBusyCpuSeconds"`
	LoadAvg         float64              `json:"loadAverage1m"`
	CPUPerDelivered float64              `json:"serverCpuMsPerDelivered"`
	PidPerDelivered float64              `json:"byPidCpuMsPerDelivered"`
}

func (r *run) scenarioReport(name string, devices int, phs []*phase, convs []*conv) scenarioReport {
	s := scenarioReport{Name: name, Devices: devices, Lost: lost(convs)}
	for _, ph := range phs {
		p := r.phaseReport(ph)
		s.Duplicates += p.Duplicates
		s.OutOfOrder += p.OutOfOrder
		s.Phases = append(s.Phases, p)
	}
	return s
}

func (r *run) phaseReport(ph *phase) phaseReport {
	step := r.cfg.step.Seconds()
	p := phaseReport{Label: ph.label(), Rate: ph.rate, Fanout: ph.fanout, StepSeconds: step,
		Offered: ph.offered.Load(), Skipped: ph.skipped.Load(), Sent: ph.sent.Load(), SendErrors: ph.sendErr.Load(),
		UpAcked: ph.acked.Load(), Refused: ph.refused.Load(), Delivered: ph.delivered.Load(),
		Duplicates: ph.dup.Load(), OutOfOrder: ph.ooo.Load(), UpAck: ph.ack.summary(), SendToReceive: ph.e2e.summary(),
		Drained: ph.drained, Saturated: r.saturated(ph), DeliveredPerSec: ph.deliveredRate(), LoadAvg: ph.loadAvg}
	p.Missing = max(0, p.UpAcked*int64(ph.fanout)-p.Delivered)
	if !ph.sendEnd.IsZero() { // an interrupted step sent for less than cfg.step
		step = min(step, ph.sendEnd.Sub(ph.start).Seconds())
	}
	p.OfferedPerSec, p.SentPerSec = float64(p.Offered)/step, float64(p.Sent)/step
	if last := ph.lastAck.Load(); last > 0 {
		p.UpAckedPerSec = float64(p.UpAcked) / max(time.Unix(0, last).Sub(ph.start).Seconds(), 1e-3)
	}
	if ph.after != nil {
		p.Usage = usageDelta(ph.before, ph.after)
		for name, u := range p.Usage {
			if name == "imbench" {
				continue
			}
			p.ServerCPU += u.CPUSeconds
			if !u.Shared {
				p.PidCPU += u.CPUSeconds
			}
		}
		p.MachineBusy = ph.busyAfter - ph.busyBefore
	}
	if p.Delivered > 0 {
		p.CPUPerDelivered = 1000 * p.ServerCPU / float64(p.Delivered)
		p.PidPerDelivered = 1000 * p.PidCPU / float64(p.Delivered)
	}
	return p
}

func hostFacts() hostInfo {
	h := hostInfo{CPUs: runtime.NumCPU()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				h.Model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		h.MemBytes = parseStatusRSS([]byte(strings.Replace(string(b), "MemTotal:", "VmRSS:", 1)))
	}
	return h
}

// printTables writes the human summary of rep.
func printTables(w io.Writer, rep *report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\toffered/s\tsent/s\tup-acked/s\tdelivered/s\tup-ack p50/p99/p99.9/max ms\tsend->recv p50/p99/p99.9/max ms\tdup\tooo\tmissing\tcpu ms/deliv all (by pid)\tsaturated\t")
	for _, s := range rep.Scenarios {
		for _, p := range s.Phases {
			fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.0f\t%.0f\t%s\t%s\t%d\t%d\t%d\t%.3f (%.3f)\t%v\t\n", p.Label, p.OfferedPerSec, p.SentPerSec,
				p.UpAckedPerSec, p.DeliveredPerSec, lat(p.UpAck), lat(p.SendToReceive), p.Duplicates, p.OutOfOrder, p.Missing,
				p.CPUPerDelivered, p.PidPerDelivered, p.Saturated)
		}
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, s := range rep.Scenarios {
		fmt.Fprintf(w, "%-10s devices %5d  lost %d  duplicates %d  out-of-order %d\n", s.Name, s.Devices, s.Lost, s.Duplicates, s.OutOfOrder)
	}
	printUsage(w, rep)
	if b := rep.Broker; b != nil {
		fmt.Fprintf(w, "\nraw broker (%s queue, %d B persistent, confirms, manual ack, window %d): %.0f msg/s through (%.0f confirmed/s), load avg %.1f\n",
			b.QueueType, b.MessageBytes, b.Window, b.ConsumedPerSec, b.ConfirmedPerSec, b.LoadAvg)
		if rep.Ratio > 0 {
			fmt.Fprintf(w, "best unsaturated 1:1 delivered/s is %.1f %% of the raw broker's\n", 100*rep.Ratio)
		}
	}
	if i := rep.Idle; i != nil {
		fmt.Fprintf(w, "\nidle: %d connections, gateway %.1f KB per connection (imbench %.1f KB)\n", i.Connections, i.GatewayBytesPer/1024, i.ImbenchBytesPer/1024)
	}
	fmt.Fprintf(w, "\nrefusals %v  unexpected envelopes %d  bad seqs %d  client-side drops %d\n", rep.Refusals, rep.Unexpected, rep.BadSeq, rep.ClientDropped)
	for _, e := range rep.Errors {
		fmt.Fprintln(w, "error:", e)
	}
}

// printUsage shows each phase's CPU seconds and final RSS per process.
func printUsage(w io.Writer, rep *report) {
	var names []string
	if len(rep.Scenarios) > 0 && len(rep.Scenarios[0].Phases) > 0 {
		for n := range rep.Scenarios[0].Phases[0].Usage {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return
	}
	fmt.Fprintln(w, "\nCPU seconds (RSS MB) per phase, step plus drain (processes found by name may also serve other work):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "phase\t%s\tmachine busy\tload avg\t\n", strings.Join(names, "\t"))
	for _, s := range rep.Scenarios {
		for _, p := range s.Phases {
			cells := make([]string, len(names))
			for i, n := range names {
				cells[i] = fmt.Sprintf("%.2f (%.0f)", p.Usage[n].CPUSeconds, mb(p.Usage[n].RSSBytes))
			}
			fmt.Fprintf(tw, "%s\t%s\t%.2f\t%.1f\t\n", p.Label, strings.Join(cells, "\t"), p.MachineBusy, p.LoadAvg)
		}
	}
	tw.Flush()
}

func lat(s summary) string {
	return fmt.Sprintf("%.1f/%.1f/%.1f/%.1f", s.P50, s.P99, s.P999, s.Max)
}

// ratio is the best unsaturated 1:1 delivered rate over the broker's.
func (rep *report) ratio() float64 {
	if rep.Broker == nil || rep.Broker.ConsumedPerSec == 0 {
		return 0
	}
	best := 0.0
	for _, s := range rep.Scenarios {
		if s.Name != "pairs" {
			continue
		}
		for _, p := range s.Phases {
			if !p.Saturated {
				best = max(best, p.DeliveredPerSec)
			}
		}
	}
	return best / rep.Broker.ConsumedPerSec
}

func writeJSON(path string, rep *report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// violations counts breaches of the delivery contract.
func (rep *report) violations() int64 {
	var n int64
	for _, s := range rep.Scenarios {
		n += s.Lost + s.Duplicates + s.OutOfOrder
	}
	return n
}
