package fault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/whaleim/whaleim/im-common/proctest"
	"github.com/whaleim/whaleim/im-common/rediscmd"
	"github.com/whaleim/whaleim/im-common/testwait"
)

// service is one private dependency (or platform process) that the
// harness starts, kills, pauses and restarts by its own PID.
type service struct {
	name     string
	dir      string
	addr     string                         // host:port clients use
	spawn    func() (*proctest.Proc, error) // starts the process
	ready    func(addr string) error        // nil once it serves
	timeout  time.Duration                  // how long start waits for ready
	p        *proctest.Proc
	extra    []*proctest.Proc // helpers started with it (RabbitMQ's epmd), killed with the harness
	epmdPort string           // RabbitMQ only: its private epmd, for rabbitmqctl
}

// start spawns the service and waits until it is ready.
func (s *service) start() error {
	p, err := s.spawn()
	if err != nil {
		return err
	}
	s.p = p
	err = testwait.Poll(s.timeout, func() error {
		if p.Exited() {
			return fmt.Errorf("%s exited:\n%s", s.name, p.Tail(20))
		}
		return s.ready(s.addr)
	})
	if err != nil {
		return fmt.Errorf("%s not ready at %s: %w", s.name, s.addr, err)
	}
	return nil
}

// running reports whether the service's process is alive.
func (s *service) running() bool { return s.p != nil && !s.p.Exited() }

// kill9 kills the service's process group with SIGKILL.
func (s *service) kill9() { s.p.Kill() }

// term stops the service with SIGTERM (SIGKILL after grace).
func (s *service) term(grace time.Duration) { s.p.Stop(grace) }

// pause and resume send SIGSTOP and SIGCONT.
func (s *service) pause() error  { return s.p.Signal(syscall.SIGSTOP) }
func (s *service) resume() error { return s.p.Signal(syscall.SIGCONT) }

// close kills the service and its helpers.
func (s *service) close() {
	if s.p != nil {
		_ = s.p.Signal(syscall.SIGCONT)
		s.p.Kill()
	}
	for _, p := range s.extra {
		p.Kill()
	}
}

// freePort returns a loopback address nobody listens on right now, below
// Linux's ephemeral range (32768 and up): a process restarted on its old
// port must not find it taken by some outgoing connection meanwhile.
func freePort() (string, error) {
	for range 1000 {
		addr := fmt.Sprintf("127.0.0.1:%d", 30000+mrand.IntN(2700))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		ln.Close()
		return addr, nil
	}
	return "", errors.New("no free port in 30000-32699")
}

func port(addr string) string { _, p, _ := net.SplitHostPort(addr); return p }

// newRedis is a private Redis without persistence: a kill loses
// everything, the worst case (A5 S5).
func newRedis(dir string) (*service, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	d := filepath.Join(dir, "redis")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return nil, err
	}
	s := &service{name: "redis", dir: d, addr: addr, timeout: 10 * time.Second, ready: redisPing}
	s.spawn = func() (*proctest.Proc, error) {
		return spawn(d, "redis", "redis-server", nil, "--port", port(addr), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", d)
	}
	return s, nil
}

func redisPing(addr string) error { return rediscmd.Ping(context.Background(), addr) }

// newMariaDB is a private MariaDB with a small buffer pool.
func newMariaDB(dir string) (*service, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	d := filepath.Join(dir, "mariadb")
	data := filepath.Join(d, "data")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return nil, err
	}
	install := exec.Command("mariadb-install-db", "--no-defaults", "--datadir="+data,
		"--auth-root-authentication-method=normal", "--skip-test-db", "--user=root")
	if out, err := install.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("mariadb-install-db: %w: %s", err, out)
	}
	s := &service{name: "mariadb", dir: d, addr: addr, timeout: 30 * time.Second, ready: mysqlPing}
	s.spawn = func() (*proctest.Proc, error) {
		return spawn(d, "mariadb", "mariadbd", nil, "--no-defaults", "--user=root", "--datadir="+data,
			"--socket="+filepath.Join(d, "sock"), "--port="+port(addr), "--bind-address=127.0.0.1",
			"--innodb-buffer-pool-size=32M", "--pid-file="+filepath.Join(d, "pid"), "--max-connections=300")
	}
	return s, nil
}

// mysqlDSN is the DSN of database db on the server at addr.
func mysqlDSN(addr, db string) string {
	return "root:@tcp(" + addr + ")/" + db + "?parseTime=true&charset=utf8mb4&loc=UTC&interpolateParams=true"
}

func mysqlPing(addr string) error {
	db, err := sql.Open("mysql", mysqlDSN(addr, ""))
	if err != nil {
		return fmt.Errorf("mysql: %w", err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// newRabbit is a private RabbitMQ node with its own epmd, one scheduler
// (+S 1:1) and no plugins; its data survives restarts.
func newRabbit(dir string) (*service, error) {
	var ports [3]string
	for i := range ports {
		a, err := freePort()
		if err != nil {
			return nil, err
		}
		ports[i] = port(a)
	}
	d := filepath.Join(dir, "rabbitmq")
	for _, sub := range []string{"mnesia", "log"} {
		if err := os.MkdirAll(filepath.Join(d, sub), 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(d, "enabled_plugins"), nil, 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(d, "rabbitmq.conf"), []byte("log.console = false\n"), 0o644); err != nil {
		return nil, err
	}
	epmd, err := spawn(d, "epmd", "epmd", nil, "-port", ports[2], "-address", "127.0.0.1")
	if err != nil {
		return nil, err
	}
	env := []string{"HOME=" + d, "RABBITMQ_NODENAME=imfault" + ports[0] + "@localhost",
		"RABBITMQ_NODE_IP_ADDRESS=127.0.0.1", "RABBITMQ_NODE_PORT=" + ports[0], "RABBITMQ_DIST_PORT=" + ports[1],
		"ERL_EPMD_PORT=" + ports[2], "ERL_EPMD_ADDRESS=127.0.0.1",
		"RABBITMQ_MNESIA_BASE=" + filepath.Join(d, "mnesia"), "RABBITMQ_LOG_BASE=" + filepath.Join(d, "log"),
		"RABBITMQ_ENABLED_PLUGINS_FILE=" + filepath.Join(d, "enabled_plugins"),
		"RABBITMQ_CONFIG_FILE=" + filepath.Join(d, "rabbitmq"),
		"RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=+S 1:1 -kernel inet_dist_use_interface {127,0,0,1}"}
	s := &service{name: "rabbitmq", dir: d, addr: "127.0.0.1:" + ports[0], timeout: 90 * time.Second,
		ready: rabbitPing, extra: []*proctest.Proc{epmd}, epmdPort: ports[2]}
	s.spawn = func() (*proctest.Proc, error) {
		return spawn(d, "rabbitmq", "/usr/lib/rabbitmq/bin/rabbitmq-server", env)
	}
	return s, nil
}

// rabbitURL is the AMQP URL of the broker at addr (default vhost).
func rabbitURL(addr string) string { return "amqp://guest:guest@" + addr + "/" }

func rabbitPing(addr string) error {
	c, err := amqp.DialConfig(rabbitURL(addr), amqp.Config{Dial: amqp.DefaultDial(2 * time.Second)})
	if err != nil {
		return fmt.Errorf("rabbitmq: %w", err)
	}
	return c.Close()
}

// newZooKeeper is a private standalone ZooKeeper, started by its main
// class (Debian's zkServer.sh ignores a private configuration).
func newZooKeeper(dir string) (*service, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	d := filepath.Join(dir, "zookeeper")
	if err := os.MkdirAll(filepath.Join(d, "conf"), 0o755); err != nil {
		return nil, err
	}
	cfg := fmt.Sprintf("tickTime=500\ndataDir=%s\nclientPort=%s\nclientPortAddress=127.0.0.1\n"+
		"admin.enableServer=false\nminSessionTimeout=1000\nmaxSessionTimeout=10000\n4lw.commands.whitelist=ruok,srvr\n",
		filepath.Join(d, "data"), port(addr))
	if err := os.WriteFile(filepath.Join(d, "conf", "zoo.cfg"), []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	s := &service{name: "zookeeper", dir: d, addr: addr, timeout: 30 * time.Second, ready: zkServing}
	s.spawn = func() (*proctest.Proc, error) {
		return spawn(d, "zookeeper", "java", nil, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
			"-cp", filepath.Join(d, "conf")+":/usr/share/java/zookeeper.jar",
			"org.apache.zookeeper.server.quorum.QuorumPeerMain", filepath.Join(d, "conf", "zoo.cfg"))
	}
	return s, nil
}

// zkServing asks srvr; right after bind ZooKeeper answers but does not
// serve yet (no "Mode:" line).
func zkServing(addr string) error {
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return fmt.Errorf("zookeeper: %w", err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := nc.Write([]byte("srvr")); err != nil {
		return fmt.Errorf("zookeeper: %w", err)
	}
	b := make([]byte, 4096)
	var out strings.Builder
	for {
		n, err := nc.Read(b)
		out.Write(b[:n])
		if err != nil {
			break
		}
	}
	if !strings.Contains(out.String(), "Mode:") {
		return fmt.Errorf("zookeeper: not serving yet: %q", out.String())
	}
	return nil
}
