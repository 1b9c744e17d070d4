//go:build e2e

package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/whaleim/whaleim/im-common/sqlite"
)

// The suite runs against one of two targets, with the same assertions:
//   - distributed (the default): the three service binaries, two gateways,
//     on MariaDB, Redis, RabbitMQ and ZooKeeper;
//   - standalone (IM_E2E_TARGET=standalone): the one-process binary on its
//     embedded stand-ins, in a fresh data folder; both "gateways" of the
//     suite are its one gateway.
//
// ./build.sh e2e runs both.
func standaloneTarget() bool { return os.Getenv("IM_E2E_TARGET") == "standalone" }

// Tests that by nature need one target are not selected on the other
// (selectTarget adds them to -test.skip), so neither run reports a skip:
// on the distributed target only, those that kill or restart one service
// or start another gateway; on the standalone target only, those of the
// one-process start.
var (
	distributedOnlyTests = []string{"TestAdminForceLogoutAcrossGateways", "TestStoreKilledMidStream", "TestImbenchSmoke",
		"TestLoginRouteHandsOutLiveGateways", "TestPipelinedSendAtDefaultRate", "TestGatewayKilledRestartsAtOnce",
		"TestDomainNodesSplitShardsAndTakeOver", "TestSDKExactlyOnceAcrossGatewayRestarts", "TestChatOverTLS",
		"TestWebChatInChromium"}
	standaloneOnlyTests = []string{"TestRunCommandFirstMessage"}
)

// selectTarget leaves out, through -test.skip, the tests of the other
// target. It runs in TestMain, after flag parsing, before m.Run.
func selectTarget() error {
	other := standaloneOnlyTests
	if standaloneTarget() {
		other = distributedOnlyTests
	}
	pattern := "^(" + strings.Join(other, "|") + ")$"
	if given := flag.Lookup("test.skip").Value.String(); given != "" {
		pattern = given + "|" + pattern
	}
	return flag.Set("test.skip", pattern)
}

// distributedOnly guards a test listed in distributedOnlyTests, saying why
// it needs the distributed target: run on the standalone target anyway, the
// list is wrong and the test fails.
func distributedOnly(t *testing.T, reason string) {
	t.Helper()
	if standaloneTarget() {
		t.Fatalf("%s needs the distributed target (%s): list it in distributedOnlyTests", t.Name(), reason)
	}
}

// standaloneOnly is distributedOnly's twin for standaloneOnlyTests.
func standaloneOnly(t *testing.T, reason string) {
	t.Helper()
	if !standaloneTarget() {
		t.Fatalf("%s needs the standalone target (%s): list it in standaloneOnlyTests", t.Name(), reason)
	}
}

// startStandalone starts the standalone binary in place of the services.
func (c *cluster) startStandalone() error {
	g := &gatewayAddr{tcp: freePort(), ws: freePort(), http: freePort()}
	domainAddr := freePort()
	c.domainURL = "http://" + domainAddr
	c.dataDir = filepath.Join(c.tmp, "data")
	env := []string{"IM_DATA_DIR=" + c.dataDir, "IM_HTTP_ADDR=" + domainAddr, "IM_TCP_ADDR=" + g.tcp, "IM_WS_ADDR=" + g.ws,
		"IM_GATEWAY_HTTP_ADDR=" + g.http, "IM_STORE_HTTP_ADDR=" + freePort(),
		fmt.Sprintf("IM_APP_ID=%d", c.appID), "IM_APP_SECRET=" + c.secret,
		"IM_SEND_RATE=0", "IM_WEB_ADDR=" + c.webAddr, "IM_WS_ORIGINS=" + c.webAddr, "IM_LOG_FORMAT=text", "IM_LOG_LEVEL=info",
		// off as on the distributed target (commonEnv): the suite's
		// deliberate bad logins all come from 127.0.0.1
		"IM_AUTH_FAIL_LIMIT=0"}
	c.procs["standalone"] = c.mustEnv(c.spawn("standalone", filepath.Join(c.bin, "standalone"), env))
	for _, base := range []string{c.domainURL, "http://" + g.http} {
		if err := waitReady(base); err != nil {
			return fmt.Errorf("standalone: %w", err)
		}
	}
	c.gateways = []*gatewayAddr{g, g}
	return c.embeddedRedis()
}

// embeddedRedis reads the address of the binary's in-process Redis from
// its start-up log line, for the tests that look at sessions in Redis.
func (c *cluster) embeddedRedis() error {
	b, err := os.ReadFile(c.procs["standalone"].LogPath())
	if err != nil {
		return err
	}
	m := regexp.MustCompile(`msg="redis: embedded \(miniredis\)" addr=(\S+)`).FindSubmatch(b)
	if m == nil {
		return fmt.Errorf("standalone: no embedded redis address in its log")
	}
	c.redisAddr = string(m[1])
	return nil
}

// standaloneDB is the standalone binary's SQLite file, opened beside it
// (WAL: the reader does not block the binary), for count.
var standaloneDB = sync.OnceValues(func() (*gorm.DB, error) {
	return sqlite.Open(context.Background(), filepath.Join(cl.dataDir, "whaleim.db"), 1)
})

// countSQLite runs a COUNT(*) query on the standalone binary's database.
func countSQLite(t *testing.T, query string) int {
	t.Helper()
	db, err := standaloneDB()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Raw(query).Scan(&n).Error; err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
