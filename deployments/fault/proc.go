package fault

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// proc is one child process, in a process group of its own, with its log.
type proc struct {
	name, log string
	cmd       *exec.Cmd
	done      chan struct{}
}

// spawn starts path with args and env (added to the harness's own) in
// dir, logging to dir/name.log.
func spawn(dir, name, path string, env []string, args ...string) (*proc, error) {
	logPath := filepath.Join(dir, name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("log of %s: %w", name, err)
	}
	fmt.Fprintf(f, "==== start %s at %s\n", name, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); f.Close(); close(p.done) }()
	return p, nil
}

// signal sends sig to the process group of p (p's own children, such as
// RabbitMQ's beam under its start script, share it).
func (p *proc) signal(sig syscall.Signal) error {
	if p == nil {
		return nil
	}
	if err := syscall.Kill(-p.cmd.Process.Pid, sig); err != nil {
		return fmt.Errorf("%s: signal %v: %w", p.name, sig, err)
	}
	return nil
}

// kill sends SIGKILL to p's group and waits until p is gone.
func (p *proc) kill() {
	if p == nil {
		return
	}
	_ = p.signal(syscall.SIGKILL)
	p.wait(10 * time.Second)
}

// stop sends SIGTERM and waits up to grace for p to exit; then SIGKILL.
func (p *proc) stop(grace time.Duration) {
	if p == nil {
		return
	}
	_ = p.signal(syscall.SIGTERM)
	if !p.wait(grace) {
		p.kill()
	}
}

// wait reports whether p exited within d.
func (p *proc) wait(d time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

// exited reports whether p is gone.
func (p *proc) exited() bool { return p.wait(0) }

// tail returns the last n lines of p's log.
func (p *proc) tail(n int) string {
	b, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
