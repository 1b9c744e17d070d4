//go:build e2e

package e2e

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/proctest"
	"github.com/whaleim/whaleim/im-common/rabbit/rabbittest"
	"github.com/whaleim/whaleim/im-common/testwait"
)

// cl is the platform every test talks to; TestMain owns it.
var cl *cluster

// cluster is one run of the platform: infrastructure names and processes.
type cluster struct {
	root, tmp, bin string
	suffix         string // random, names the database, vhost and ZK root
	appID          uint32
	secret         string
	db             string
	redisAddr      string
	rabbitURL      string
	domainURL      string
	gateways       []*gatewayAddr
	webAddr        string // where the web chat demo is served (webchat_test.go); the gateways accept its origin
	storeEnv       []string
	dataDir        string // the standalone binary's data folder (standalone target)
	procs          map[string]*proctest.Proc
	redis          *proctest.Proc
}

type gatewayAddr struct {
	tcp, ws, http string
	tls           *tls.Config // the client side when the gateway speaks TLS
}

func TestMain(m *testing.M) {
	flag.Parse()
	if err := selectTarget(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: select the target's tests:", err)
		os.Exit(2)
	}
	code := 1
	c, err := start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: start:", err)
		if c != nil {
			c.dumpLogs(os.Stderr)
		}
	} else {
		cl = c
		code = m.Run()
		if code != 0 {
			c.dumpLogs(os.Stderr)
		}
	}
	if c != nil {
		c.stop()
	}
	os.Exit(code)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// freePort returns a loopback address nobody listens on right now.
func freePort() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func start() (*cluster, error) {
	root, _ := filepath.Abs("../..")
	tmp, err := os.MkdirTemp("", "whaleim-e2e-")
	if err != nil {
		return nil, err
	}
	c := &cluster{root: root, tmp: tmp, bin: filepath.Join(tmp, "bin"), suffix: randHex(4), procs: map[string]*proctest.Proc{},
		webAddr: freePort()}
	c.appID = uint32(100000 + time.Now().UnixNano()%800000)
	c.secret = randHex(16)
	c.db = "im_e2e_" + c.suffix
	steps := []func() error{c.build, c.startRedis, c.createDB, c.createVhost, c.startServices}
	if standaloneTarget() {
		steps = []func() error{c.build, c.startStandalone}
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return c, err
		}
	}
	return c, nil
}

func (c *cluster) build() error {
	t0 := time.Now()
	pkgs := []string{"im-tcp", "im-domain", "im-message-store", "im-sdk/go/cmd/imctl"}
	if standaloneTarget() {
		pkgs = []string{"deployments/standalone", "im-sdk/go/cmd/imctl"}
	}
	for _, pkg := range pkgs {
		svc := filepath.Base(pkg)
		cmd := exec.Command("go", "build", "-o", filepath.Join(c.bin, svc), "github.com/whaleim/whaleim/"+pkg)
		cmd.Dir = c.root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %w\n%s", svc, err, out)
		}
	}
	fmt.Fprintf(os.Stderr, "e2e: built binaries in %v\n", time.Since(t0).Round(time.Millisecond))
	return nil
}

func (c *cluster) startRedis() error {
	c.redisAddr = freePort()
	_, port, _ := net.SplitHostPort(c.redisAddr)
	dir := filepath.Join(c.tmp, "redis")
	_ = os.MkdirAll(dir, 0o755)
	p, err := c.spawn("redis", "redis-server", nil, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir)
	if err != nil {
		return err
	}
	c.redis = p
	return testwait.Poll(10*time.Second, func() error { return redisPing(c.redisAddr) })
}

func (c *cluster) createDB() error {
	_, err := mysqlExec("", "CREATE DATABASE "+c.db+" CHARACTER SET utf8mb4")
	return err
}

func (c *cluster) createVhost() error {
	vh := "e2e_" + c.suffix
	if err := rabbittest.AddVhost(vh); err != nil {
		return err
	}
	c.rabbitURL = "amqp://guest:guest@127.0.0.1:5672/" + vh
	return nil
}

// commonEnv is what every service shares.
func (c *cluster) commonEnv() []string {
	return []string{
		"IM_REDIS_ADDR=" + c.redisAddr,
		"IM_RABBIT_URL=" + c.rabbitURL,
		"IM_MYSQL_DSN=root:@tcp(127.0.0.1:3306)/" + c.db + "?parseTime=true&charset=utf8mb4&loc=UTC&interpolateParams=true",
		"IM_ZK_SERVERS=127.0.0.1:2181",
		"IM_ZK_ROOT=/e2e_" + c.suffix,
		"IM_LOG_FORMAT=text",
		"IM_LOG_LEVEL=info",
		// Every client of the suite comes from 127.0.0.1 and many tests
		// fail logins on purpose: with the failure throttle on, they would
		// lock later tests out (1009). The throttle has its own tests in
		// the gateway and httpapi packages.
		"IM_AUTH_FAIL_LIMIT=0",
	}
}

func (c *cluster) startServices() error {
	domainAddr, storeAddr := freePort(), freePort()
	c.domainURL = "http://" + domainAddr
	c.procs["domain"] = c.mustEnv(c.spawnSvc("domain", "im-domain", "IM_HTTP_ADDR="+domainAddr, "IM_NODE_ID=e2e-domain",
		fmt.Sprintf("IM_APP_ID=%d", c.appID), "IM_APP_SECRET="+c.secret))
	if err := waitReady(c.domainURL); err != nil {
		return fmt.Errorf("domain: %w", err)
	}
	c.storeEnv = []string{"IM_HTTP_ADDR=" + storeAddr}
	if err := c.startStore(); err != nil {
		return err
	}
	for i := range 2 {
		c.gateways = append(c.gateways, &gatewayAddr{tcp: freePort(), ws: freePort(), http: freePort()})
		if err := c.startGateway(i); err != nil {
			return err
		}
	}
	return nil
}

// startGateway (re)starts gateway i (0 or 1) with its brokerId and
// addresses and waits until it is ready.
func (c *cluster) startGateway(i int) error {
	return c.spawnGateway(fmt.Sprintf("gateway%d", i+1), c.gateways[i], "IM_SEND_RATE=0", "IM_WS_ORIGINS="+c.webAddr)
}

// spawnGateway starts a gateway process named name (its brokerId is
// e2e-{name}) on g's addresses, with env on top of the defaults, and waits
// until it is ready.
func (c *cluster) spawnGateway(name string, g *gatewayAddr, env ...string) error {
	env = append([]string{"IM_BROKER_ID=e2e-" + name, "IM_TCP_ADDR=" + g.tcp, "IM_WS_ADDR=" + g.ws,
		"IM_HTTP_ADDR=" + g.http}, env...)
	c.procs[name] = c.mustEnv(c.spawnSvc(name, "im-tcp", env...))
	if err := waitReady("http://" + g.http); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// defaultGateway starts a gateway with every setting at its default (the
// shared gateways run without a send rate limit), for a test of the
// defaults a real client meets, and stops it gracefully when the test ends:
// left registered in ZooKeeper, the login route would hand it to later
// tests' clients (the browsers', whose origin it does not accept).
func (c *cluster) defaultGateway(t *testing.T) *gatewayAddr {
	t.Helper()
	g := &gatewayAddr{tcp: freePort(), ws: freePort(), http: freePort()}
	if err := c.spawnGateway("gateway-defaults", g); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.procs["gateway-defaults"].Stop(10 * time.Second) })
	return g
}

// startStore (re)starts the message store process.
func (c *cluster) startStore() error {
	p, err := c.spawnSvc("store", "im-message-store", c.storeEnv...)
	if err != nil {
		return err
	}
	c.procs["store"] = p
	addr := strings.TrimPrefix(c.storeEnv[0], "IM_HTTP_ADDR=")
	if err := waitReady("http://" + addr); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

func (c *cluster) spawnSvc(name, binary string, env ...string) (*proctest.Proc, error) {
	return c.spawn(name, filepath.Join(c.bin, binary), append(c.commonEnv(), env...))
}

// mustEnv keeps spawn errors for the readiness wait to report.
func (c *cluster) mustEnv(p *proctest.Proc, err error) *proctest.Proc {
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: spawn:", err)
	}
	return p
}

func waitReady(base string) error {
	return testwait.Poll(60*time.Second, func() error {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("readyz: %s", resp.Status)
		}
		return nil
	})
}

func (c *cluster) stop() {
	for _, p := range c.procs {
		p.Kill()
	}
	if c.redis != nil {
		c.redis.Kill()
	}
	if !standaloneTarget() { // the standalone binary's data is in c.tmp
		_, _ = mysqlExec("", "DROP DATABASE IF EXISTS "+c.db)
		_ = rabbittest.DeleteVhost("e2e_" + c.suffix)
		if err := deleteZKTree("/e2e_" + c.suffix); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: zookeeper cleanup:", err)
		}
	}
	if os.Getenv("E2E_KEEP") == "" {
		_ = os.RemoveAll(c.tmp)
	}
}
