//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// proc is one child process with its log file.
type proc struct {
	name, log string
	cmd       *exec.Cmd
	done      chan struct{}
}

func (c *cluster) spawn(name, path string, env []string, args ...string) (*proc, error) {
	logPath := filepath.Join(c.tmp, name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
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

// kill sends SIGKILL to the process (its own pid only) and waits for it.
func (p *proc) kill() {
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
}

// tail returns the last n lines of the log.
func (p *proc) tail(n int) string {
	b, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (c *cluster) dumpLogs(w io.Writer) {
	names := make([]string, 0, len(c.procs))
	for n := range c.procs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if p := c.procs[n]; p != nil {
			fmt.Fprintf(w, "---- %s log tail (%s) ----\n%s\n", n, p.log, p.tail(40))
		}
	}
}

// redisCmd sends one command to addr in RESP and returns the first reply line.
func redisCmd(addr string, args ...string) (string, error) {
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := nc.Write(b.Bytes()); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(nc).ReadString('\n')
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(line, "-") {
		return "", fmt.Errorf("redis: %s", strings.TrimSpace(line))
	}
	return strings.TrimSpace(line), nil
}

func redisPing(addr string) error {
	_, err := redisCmd(addr, "PING")
	return err
}

// mysqlExec runs sql through the mysql client (root, no password) and
// returns the tab-separated rows.
func mysqlExec(db, sql string) ([][]string, error) {
	args := []string{"-uroot", "-h127.0.0.1", "-N", "-B", "-e", sql}
	if db != "" {
		args = append(args, db)
	}
	out, err := exec.Command("mysql", args...).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("mysql %q: %w: %s", sql, err, out)
	}
	var rows [][]string
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if l != "" {
			rows = append(rows, strings.Split(l, "\t"))
		}
	}
	return rows, nil
}
