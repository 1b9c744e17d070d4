//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestImbenchSmoke runs the load tool for a few seconds at a small rate
// against this cluster (1:1 pairs, small groups, the raw broker) and
// requires that it reports deliveries and no lost, duplicate or
// out-of-order message.
func TestImbenchSmoke(t *testing.T) {
	distributedOnly(t, "imbench drives RabbitMQ and samples the gateway and domain processes")
	bin := filepath.Join(cl.bin, "imbench")
	build := exec.Command("go", "build", "-o", bin, "github.com/whaleim/whaleim/deployments/imbench")
	build.Dir = cl.root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build imbench: %v\n%s", err, out)
	}
	out := filepath.Join(t.TempDir(), "imbench.json")
	g := cl.gateways[0]
	cmd := exec.Command(bin, "-rest", cl.domainURL, "-ws", "ws://"+g.ws+"/ws", "-tcp", g.tcp,
		"-app-id", fmt.Sprint(cl.appID), "-secret", cl.secret, "-rabbit", cl.rabbitURL,
		"-scenarios", "pairs,small,broker", "-pairs", "5", "-pair-rates", "25", "-small-groups", "2",
		"-small-size", "4", "-small-rates", "10", "-step", "2s", "-broker-time", "1s", "-quiet", "-json", out,
		"-procs", fmt.Sprintf("im-tcp=%d,im-domain=%d", cl.procs["gateway1"].Pid(), cl.procs["domain"].Pid()))
	text, err := cmd.CombinedOutput()
	t.Logf("imbench output:\n%s", text)
	if err != nil {
		t.Fatalf("imbench: %v", err)
	}
	var rep struct {
		Scenarios []struct {
			Name                         string
			Lost, Duplicates, OutOfOrder int64
			Phases                       []struct{ Sent, UpAcked, Delivered int64 }
		}
		Broker struct{ Consumed int64 }
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	mustJSON(t, b, &rep)
	if len(rep.Scenarios) != 2 || rep.Broker.Consumed == 0 {
		t.Fatalf("report: %d scenarios, broker consumed %d", len(rep.Scenarios), rep.Broker.Consumed)
	}
	for _, s := range rep.Scenarios {
		if s.Lost != 0 || s.Duplicates != 0 || s.OutOfOrder != 0 {
			t.Fatalf("%s: lost %d duplicates %d out-of-order %d", s.Name, s.Lost, s.Duplicates, s.OutOfOrder)
		}
		p := s.Phases[0]
		if p.Sent == 0 || p.UpAcked != p.Sent || p.Delivered == 0 {
			t.Fatalf("%s: sent %d up-acked %d delivered %d", s.Name, p.Sent, p.UpAcked, p.Delivered)
		}
	}
}
