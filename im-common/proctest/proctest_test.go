package proctest_test

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/proctest"
	"github.com/whaleim/whaleim/im-common/testwait"
)

func start(t *testing.T, script string) *proctest.Proc {
	t.Helper()
	p, err := proctest.Start("sh", filepath.Join(t.TempDir(), "sh.log"), exec.Command("sh", "-c", script))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	return p
}

// alive reports whether pid exists (signal 0 checks without sending).
func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func TestKillEndsTheWholeGroup(t *testing.T) {
	p := start(t, `sleep 60 & echo child $!; wait`)
	var child int
	testwait.Eventually(t, 10*time.Second, func() error {
		_, after, ok := strings.Cut(p.Tail(1), "child ")
		if !ok {
			return errors.New("no child pid in the log yet")
		}
		var err error
		child, err = strconv.Atoi(after)
		return err
	})
	p.Kill()
	if !p.Exited() {
		t.Fatal("Kill returned before the process exited")
	}
	testwait.Until(t, 10*time.Second, "the child in the group is gone", func() bool { return !alive(child) })
}

func TestStopTermsThenKills(t *testing.T) {
	tests := []struct {
		name, script string
	}{
		{"exits on SIGTERM", `echo up; sleep 60`},
		{"ignores SIGTERM", `trap '' TERM; echo up; while :; do sleep 1; done`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := start(t, tt.script)
			testwait.Until(t, 10*time.Second, "up in the log", func() bool { return p.Tail(1) == "up" })
			p.Stop(200 * time.Millisecond)
			if !p.Exited() {
				t.Fatal("Stop returned before the process exited")
			}
		})
	}
}

func TestSignalPausesAndResumes(t *testing.T) {
	p := start(t, `sleep 60`)
	if err := p.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	if err := p.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if p.Exited() {
		t.Fatal("process exited after STOP and CONT")
	}
	if err := (*proctest.Proc)(nil).Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("nil Proc: %v", err)
	}
}

func TestLogKeepsEveryRun(t *testing.T) {
	log := filepath.Join(t.TempDir(), "x.log")
	for i := range 2 {
		p, err := proctest.Start("x", log, exec.Command("sh", "-c", "echo run"+strconv.Itoa(i)))
		if err != nil {
			t.Fatal(err)
		}
		if !p.Wait(10 * time.Second) {
			t.Fatal("sh did not exit")
		}
	}
	p, err := proctest.Start("x", log, exec.Command("true"))
	if err != nil {
		t.Fatal(err)
	}
	p.Wait(10 * time.Second)
	lines := strings.Split(p.Tail(10), "\n")
	if len(lines) != 5 || lines[1] != "run0" || lines[3] != "run1" || !strings.HasPrefix(lines[4], "==== start x at ") {
		t.Fatalf("log = %q, want a start line before each run's output", lines)
	}
	if got := p.Tail(1); got != lines[4] {
		t.Fatalf("Tail(1) = %q, want the last line %q", got, lines[4])
	}
}

func TestStartFailsOnMissingBinary(t *testing.T) {
	_, err := proctest.Start("none", filepath.Join(t.TempDir(), "none.log"), exec.Command("/nonexistent/binary"))
	if err == nil || !strings.Contains(err.Error(), "start none") {
		t.Fatalf("err = %v, want start none: ...", err)
	}
}
