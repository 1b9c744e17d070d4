package fault

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"time"

	_ "github.com/go-sql-driver/mysql" // the database/sql driver of checks and setup

	"github.com/whaleim/whaleim/im-common/proctest"
	"github.com/whaleim/whaleim/im-common/rediscmd"
)

// Env is the harness's world: the private dependencies, started once and
// reused by every scenario that does not break them, and the platform of
// the current scenario.
type Env struct {
	dir, root, bin string
	log            io.Writer

	redis, mysql, rabbit, zk *service

	// the current scenario's platform (StartPlatform)
	run     runIDs
	svcs    map[string]*service // gateway1, gateway2, domain1, domain2, store
	clients [2][2]*proxy        // per gateway: TCP, WebSocket proxies clients go through
	brokers [2]*proxy           // per gateway: the proxy to RabbitMQ (partitions)
	wire    atomic.Value        // wireTap of the current fleet
}

// runIDs names one scenario's slice of the shared dependencies.
type runIDs struct {
	appID  uint32
	secret string
	db     string // MySQL database
	vhost  string // RabbitMQ vhost
	zkRoot string
}

// NewEnv builds the service binaries from the repository at root and
// starts the private dependencies in dir.
func NewEnv(root, dir string, log io.Writer) (*Env, error) {
	e := &Env{dir: dir, root: root, bin: filepath.Join(dir, "bin"), log: log}
	if err := e.build(); err != nil {
		return nil, err
	}
	var err error
	mk := []struct {
		s   **service
		new func(string) (*service, error)
	}{{&e.redis, newRedis}, {&e.mysql, newMariaDB}, {&e.zk, newZooKeeper}, {&e.rabbit, newRabbit}}
	for _, m := range mk {
		if *m.s, err = m.new(dir); err != nil {
			e.Close()
			return nil, err
		}
	}
	if err := e.ensureInfra(); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

func (e *Env) build() error {
	t0 := time.Now()
	for _, pkg := range []string{"im-tcp", "im-domain", "im-message-store"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(e.bin, pkg), "github.com/whaleim/whaleim/"+pkg)
		cmd.Dir = e.root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %w\n%s", pkg, err, out)
		}
	}
	e.logf("built the service binaries in %v", time.Since(t0).Round(time.Millisecond))
	return nil
}

func (e *Env) logf(format string, args ...any) {
	fmt.Fprintf(e.log, "fault: "+format+"\n", args...)
}

// ensureInfra (re)starts every private dependency that is not running.
func (e *Env) ensureInfra() error {
	for _, s := range []*service{e.redis, e.mysql, e.zk, e.rabbit} {
		if s.running() {
			continue
		}
		t0 := time.Now()
		if err := s.start(); err != nil {
			return err
		}
		e.logf("%s up at %s in %v", s.name, s.addr, time.Since(t0).Round(time.Millisecond))
	}
	return nil
}

// StartPlatform gives the next scenario a fresh app, database, vhost and
// ZooKeeper root, and starts two domain nodes, the store and two gateways.
func (e *Env) StartPlatform(ctx context.Context) error {
	if err := e.ensureInfra(); err != nil {
		return err
	}
	suffix := randHex(4)
	e.run = runIDs{appID: uint32(100000 + time.Now().UnixNano()%800000), secret: randHex(16),
		db: "im_fault_" + suffix, vhost: "fault_" + suffix, zkRoot: "/fault_" + suffix}
	if _, err := rediscmd.Do(ctx, e.redis.addr, "FLUSHALL"); err != nil {
		return err
	}
	if err := e.sql(ctx, "", "CREATE DATABASE "+e.run.db+" CHARACTER SET utf8mb4"); err != nil {
		return err
	}
	if err := e.rabbitctl("add_vhost", e.run.vhost); err != nil {
		return err
	}
	if err := e.rabbitctl("set_permissions", "-p", e.run.vhost, "guest", ".*", ".*", ".*"); err != nil {
		return err
	}
	return e.startProcesses()
}

func (e *Env) startProcesses() error {
	e.svcs = map[string]*service{}
	for i := range 2 {
		bp, err := newProxy(fmt.Sprintf("gateway%d-rabbitmq", i+1), e.rabbit.addr)
		if err != nil {
			return err
		}
		e.brokers[i] = bp
	}
	for _, name := range []string{"domain1", "domain2", "store", "gateway1", "gateway2"} {
		s, err := e.platformService(name)
		if err != nil {
			return err
		}
		e.svcs[name] = s
		if err := s.start(); err != nil {
			return err
		}
	}
	e.logf("platform up: app %d, database %s, vhost %s", e.run.appID, e.run.db, e.run.vhost)
	return nil
}

// platformService describes one platform process on fresh ports.
func (e *Env) platformService(name string) (*service, error) {
	httpAddr, err := freePort()
	if err != nil {
		return nil, err
	}
	env := e.commonEnv()
	bin := map[string]string{"domain1": "im-domain", "domain2": "im-domain", "store": "im-message-store"}[name]
	switch name {
	case "domain1", "domain2":
		env = append(env, fmt.Sprintf("IM_APP_ID=%d", e.run.appID), "IM_APP_SECRET="+e.run.secret)
	case "gateway1", "gateway2":
		bin = "im-tcp"
		if env, err = e.gatewayEnv(name, env); err != nil {
			return nil, err
		}
	}
	env = append(env, "IM_HTTP_ADDR="+httpAddr)
	s := &service{name: name, dir: e.dir, addr: httpAddr, timeout: 60 * time.Second, ready: httpReady}
	s.spawn = func() (*proctest.Proc, error) { return spawn(e.dir, name, filepath.Join(e.bin, bin), env) }
	return s, nil
}

// gatewayEnv puts gateway name behind its client proxies (which it
// advertises, so the login route hands them out) and reaches RabbitMQ
// through its own proxy.
func (e *Env) gatewayEnv(name string, env []string) ([]string, error) {
	i := int(name[len(name)-1] - '1')
	tcp, err := freePort()
	if err != nil {
		return nil, err
	}
	ws, err := freePort()
	if err != nil {
		return nil, err
	}
	for k, up := range []string{tcp, ws} {
		if e.clients[i][k], err = newProxy(fmt.Sprintf("%s-client%d", name, k), up); err != nil {
			return nil, err
		}
	}
	e.clients[i][0].tap = e.onWire // WebSocket frames are not decoded: TCP devices only
	rabbit := rabbitURL(e.brokers[i].addr()) + e.run.vhost
	return append(env, "IM_BROKER_ID=fault-"+name, "IM_TCP_ADDR="+tcp, "IM_WS_ADDR="+ws,
		"IM_ADVERTISE_TCP="+e.clients[i][0].addr(), "IM_ADVERTISE_WS=ws://"+e.clients[i][1].addr()+"/ws",
		"IM_RABBIT_URL="+rabbit, "IM_SEND_RATE=0"), nil
}

// onWire passes a wire receive to the current fleet's tap.
func (e *Env) onWire(device, messageID string) {
	if tap, ok := e.wire.Load().(wireTap); ok {
		tap(device, messageID)
	}
}

// commonEnv is what every platform process shares.
func (e *Env) commonEnv() []string {
	return []string{
		"IM_REDIS_ADDR=" + e.redis.addr,
		"IM_RABBIT_URL=" + rabbitURL(e.rabbit.addr) + e.run.vhost,
		"IM_MYSQL_DSN=" + mysqlDSN(e.mysql.addr, e.run.db),
		"IM_ZK_SERVERS=" + e.zk.addr,
		"IM_ZK_ROOT=" + e.run.zkRoot,
		"IM_ZK_SESSION_TIMEOUT=4s",
		"IM_LOG_FORMAT=text",
		"IM_LOG_LEVEL=info",
		// every device of the harness logs in from 127.0.0.1
		"IM_AUTH_FAIL_LIMIT=0",
	}
}

// StopPlatform kills the scenario's processes and proxies and drops its
// database and vhost (the dependencies stay up for the next scenario).
func (e *Env) StopPlatform(ctx context.Context) {
	for _, s := range e.svcs {
		s.close()
	}
	for i := range 2 {
		for _, p := range append(e.clients[i][:], e.brokers[i]) {
			if p != nil {
				_ = p.close()
			}
		}
	}
	if e.mysql.running() {
		_ = e.sql(ctx, "", "DROP DATABASE IF EXISTS "+e.run.db)
	}
	if e.rabbit.running() {
		_ = e.rabbitctl("delete_vhost", e.run.vhost)
	}
}

// Close stops everything the harness started.
func (e *Env) Close() {
	for _, s := range e.svcs {
		s.close()
	}
	for _, s := range []*service{e.redis, e.mysql, e.zk, e.rabbit} {
		if s != nil {
			s.close()
		}
	}
}

// restURLs are the domain nodes' REST bases, for the SDK's login route.
func (e *Env) restURLs() []string {
	return []string{"http://" + e.svcs["domain1"].addr, "http://" + e.svcs["domain2"].addr}
}

func (e *Env) sql(ctx context.Context, db, query string) error {
	h, err := sql.Open("mysql", mysqlDSN(e.mysql.addr, db))
	if err != nil {
		return fmt.Errorf("mysql: %w", err)
	}
	defer h.Close()
	if _, err := h.ExecContext(ctx, query); err != nil {
		return fmt.Errorf("mysql %q: %w", query, err)
	}
	return nil
}

// rabbitctl runs rabbitmqctl against the private node.
func (e *Env) rabbitctl(args ...string) error {
	cmd := exec.Command("/usr/lib/rabbitmq/bin/rabbitmqctl", append([]string{"-n", "imfault" + port(e.rabbit.addr) + "@localhost"}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+e.rabbit.dir, "ERL_EPMD_PORT="+e.rabbit.epmdPort)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("rabbitmqctl %v: %w: %s", args, err, out)
	}
	return nil
}

func httpReady(addr string) error {
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("readyz: " + resp.Status)
	}
	return nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
