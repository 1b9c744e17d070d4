// Package proctest runs the child processes of black-box tests (the
// platform's binaries, Redis, MariaDB, RabbitMQ): each in a process group
// of its own, its output appended to a log file, so a test can signal,
// pause, kill or stop the whole group (a start script's children too) and
// show the log's tail when something fails.
package proctest

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// killWait bounds how long Kill waits for the process to be reaped.
const killWait = 10 * time.Second

// Proc is one started child process with its log.
type Proc struct {
	name, log string
	cmd       *exec.Cmd
	done      chan struct{}
}

// Start starts cmd in a process group of its own, with its stdout and
// stderr appended to logPath after a "==== start" line (a restarted
// process shares the log of its earlier runs). name names it in errors.
func Start(name, logPath string, cmd *exec.Cmd) (*Proc, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("log of %s: %w", name, err)
	}
	fmt.Fprintf(f, "==== start %s at %s\n", name, time.Now().Format(time.RFC3339Nano))
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Proc{name: name, log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); f.Close(); close(p.done) }()
	return p, nil
}

// Name is the name given to Start.
func (p *Proc) Name() string { return p.name }

// LogPath is the file the process writes to.
func (p *Proc) LogPath() string { return p.log }

// Pid is the process's id (and its group's).
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Signal sends sig to p's process group; a nil p is a no-op.
func (p *Proc) Signal(sig syscall.Signal) error {
	if p == nil {
		return nil
	}
	if err := syscall.Kill(-p.cmd.Process.Pid, sig); err != nil {
		return fmt.Errorf("%s: signal %v: %w", p.name, sig, err)
	}
	return nil
}

// Kill sends SIGKILL to p's group and waits (up to 10 s) until p is gone;
// a nil p is a no-op.
func (p *Proc) Kill() {
	if p == nil {
		return
	}
	_ = p.Signal(syscall.SIGKILL)
	p.Wait(killWait)
}

// Stop sends SIGTERM to p's group and waits up to grace for p to exit,
// then kills it; a nil p is a no-op.
func (p *Proc) Stop(grace time.Duration) {
	if p == nil {
		return
	}
	_ = p.Signal(syscall.SIGTERM)
	if !p.Wait(grace) {
		p.Kill()
	}
}

// Wait reports whether p exited within d.
func (p *Proc) Wait(d time.Duration) bool {
	if p.Exited() {
		return true // select below picks at random when both are ready
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
		return true
	case <-t.C:
		return false
	}
}

// Exited reports whether p is gone.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Tail returns the last n lines of p's log.
func (p *Proc) Tail(n int) string {
	b, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
