// Package rabbittest starts private RabbitMQ nodes for fault tests: each on
// its own ports, data directory and epmd, so a test can SIGKILL and restart
// its broker without touching the shared one on 5672. A node needs about
// 8-15 s to boot; start one per test that really needs to kill a broker.
//
// It needs the Debian rabbitmq-server package (/usr/lib/rabbitmq/bin) and
// Erlang's epmd on PATH. Tests fail, never skip, when they are missing.
//
// Known broker bug: RabbitMQ 3.10.8 (Ra 2.2.0) writes a new quorum queue's
// registration (names.dets) to disk up to about half a second after the
// declare. A node killed inside that window restarts the queue as a new,
// empty Raft member that never elects a leader: its confirmed messages are
// orphaned and publishes to it hang. Ra fixed it by syncing the file
// (rabbitmq/ra#443). Fault tests therefore let QuorumSettle pass between
// declaring quorum queues and calling Kill.
package rabbittest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// ServerScript is the broker's start script (it execs erl directly, unlike
// /usr/sbin/rabbitmq-server, which switches user).
const ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server"

// QuorumSettle is how long a newly declared quorum queue needs before a
// Kill cannot lose its registration (see the package doc).
const QuorumSettle = 2 * time.Second

// CtlScript is the broker's control tool, run by Ctl.
const CtlScript = "/usr/lib/rabbitmq/bin/rabbitmqctl"

// BootTimeout bounds how long Start and Restart wait for the AMQP port.
const BootTimeout = 90 * time.Second

// Broker is one private RabbitMQ node. Its data survives Kill, so Restart
// brings back every durable queue and persistent message. Not safe for
// concurrent use.
type Broker struct {
	dir                      string
	node                     string
	port, distPort, epmdPort int
	epmd, server             *exec.Cmd
	epmdDone, serverDone     chan struct{}
}

// Start boots a private node under t.TempDir() and registers a cleanup that
// kills it and its epmd.
func Start(t testing.TB) *Broker {
	t.Helper()
	b := &Broker{dir: t.TempDir(), node: "imtest" + randomHex(4) + "@localhost"}
	b.port, b.distPort, b.epmdPort = freePort(t), freePort(t), freePort(t)
	for _, d := range []string{"mnesia", "log"} {
		if err := os.MkdirAll(filepath.Join(b.dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b.writeFile(t, "enabled_plugins", "")   // no management plugin, no :15672
	b.writeFile(t, "rabbitmq-env.conf", "") // not /etc/rabbitmq's
	b.writeFile(t, "rabbitmq.conf", fmt.Sprintf("listeners.tcp.default = 127.0.0.1:%d\n", b.port))
	t.Cleanup(b.stop)
	b.startEPMD(t)
	b.boot(t)
	return b
}

// URL is the node's AMQP URL.
func (b *Broker) URL() string {
	return fmt.Sprintf("amqp://guest:guest@127.0.0.1:%d/", b.port)
}

// Kill SIGKILLs the node's process group, like a crash, and waits until it
// is gone. Its data directory stays.
func (b *Broker) Kill() {
	killGroup(b.server, b.serverDone)
	b.server = nil
}

// Restart kills the node if it runs and boots it again on the same data
// directory and ports.
func (b *Broker) Restart(t testing.TB) {
	t.Helper()
	b.Kill()
	b.boot(t)
}

// Ctl runs rabbitmqctl against this node (for example
// "set_vm_memory_high_watermark", "0.000001" to raise a memory alarm, or
// "close_all_connections", "test") and returns its output.
func (b *Broker) Ctl(t testing.TB, args ...string) string {
	t.Helper()
	cmd := exec.Command(CtlScript, append([]string{"-n", b.node}, args...)...)
	cmd.Env = append(cleanEnv(),
		"HOME="+b.dir, // the node's Erlang cookie lives there
		fmt.Sprintf("ERL_EPMD_PORT=%d", b.epmdPort),
		"RABBITMQ_CONF_ENV_FILE="+filepath.Join(b.dir, "rabbitmq-env.conf"),
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("rabbittest: rabbitmqctl %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (b *Broker) stop() {
	b.Kill()
	killGroup(b.epmd, b.epmdDone)
	b.epmd = nil
}

// startEPMD runs a private epmd in the foreground, in its own process group,
// so that the node does not spawn a daemonized one we could not kill by PID.
func (b *Broker) startEPMD(t testing.TB) {
	t.Helper()
	cmd := exec.Command("epmd", "-port", fmt.Sprint(b.epmdPort), "-address", "127.0.0.1")
	b.epmd, b.epmdDone = b.spawn(t, cmd, "epmd.out")
	waitPort(t, b.epmdPort, 10*time.Second, b.epmdDone, b.logTail)
}

func (b *Broker) boot(t testing.TB) {
	t.Helper()
	cmd := exec.Command(ServerScript)
	cmd.Env = append(cleanEnv(),
		"HOME="+b.dir,
		"RABBITMQ_NODENAME="+b.node,
		"RABBITMQ_NODE_IP_ADDRESS=127.0.0.1",
		fmt.Sprintf("RABBITMQ_NODE_PORT=%d", b.port),
		fmt.Sprintf("RABBITMQ_DIST_PORT=%d", b.distPort),
		fmt.Sprintf("ERL_EPMD_PORT=%d", b.epmdPort),
		"ERL_EPMD_ADDRESS=127.0.0.1",
		"RABBITMQ_MNESIA_BASE="+filepath.Join(b.dir, "mnesia"),
		"RABBITMQ_LOG_BASE="+filepath.Join(b.dir, "log"),
		"RABBITMQ_ENABLED_PLUGINS_FILE="+filepath.Join(b.dir, "enabled_plugins"),
		"RABBITMQ_CONF_ENV_FILE="+filepath.Join(b.dir, "rabbitmq-env.conf"),
		"RABBITMQ_CONFIG_FILE="+filepath.Join(b.dir, "rabbitmq"),
		"RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}",
	)
	b.server, b.serverDone = b.spawn(t, cmd, "server.out")
	waitPort(t, b.port, BootTimeout, b.serverDone, b.logTail)
	waitAMQP(t, b.URL(), b.serverDone, b.logTail)
}

// spawn starts cmd in its own process group with output appended to a file
// in the data directory; done closes when it exits.
func (b *Broker) spawn(t testing.TB, cmd *exec.Cmd, out string) (*exec.Cmd, chan struct{}) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(b.dir, out), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Dir, cmd.Stdout, cmd.Stderr = b.dir, f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("rabbittest: start %s: %v", cmd.Path, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait() // a killed process exits with a signal; that is expected
		f.Close()
		close(done)
	}()
	return cmd, done
}

// killGroup SIGKILLs the process group led by cmd and waits for its leader.
// Only this group is touched: the pgid is the PID we started.
func killGroup(cmd *exec.Cmd, done <-chan struct{}) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // ESRCH: already gone
	<-done
}

func (b *Broker) writeFile(t testing.TB, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(b.dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// logTail returns the end of the node's console output for failure messages.
func (b *Broker) logTail() string {
	data, _ := os.ReadFile(filepath.Join(b.dir, "server.out"))
	if len(data) > 4000 {
		data = data[len(data)-4000:]
	}
	return string(data)
}

// cleanEnv is the test's environment without RabbitMQ or Erlang settings
// that could point the node at the shared broker's files or ports.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "RABBITMQ_") || strings.HasPrefix(kv, "ERL_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func waitPort(t testing.TB, port int, timeout time.Duration, exited <-chan struct{}, tail func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-exited:
			t.Fatalf("rabbittest: process exited before port %d opened:\n%s", port, tail())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("rabbittest: port %d not open after %v:\n%s", port, timeout, tail())
		}
	}
}

// waitAMQP waits until the node completes an AMQP handshake; the port opens
// a moment before the node accepts logins.
func waitAMQP(t testing.TB, url string, exited <-chan struct{}, tail func() string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := amqp.Dial(url)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-exited:
			t.Fatalf("rabbittest: broker exited during boot:\n%s", tail())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("rabbittest: no AMQP handshake at %s: %v\n%s", url, err, tail())
		}
	}
}

// freePort asks the kernel for a free loopback port.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
