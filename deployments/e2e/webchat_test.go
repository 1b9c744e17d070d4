//go:build e2e

package e2e

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWebChatInChromium drives the web chat demo (im-sdk/web) in headless
// Chromium: two users chat through the TypeScript SDK, both gateways are
// killed mid-conversation, a message typed during the outage arrives
// exactly once after the reconnect. `./build.sh web` installs what it needs
// (npm ci, the demo build, Debian's chromium); the screenshots are left in
// test-results/webchat (or $WEBCHAT_SCREENSHOTS).
func TestWebChatInChromium(t *testing.T) {
	distributedOnly(t, "kills and restarts the gateway processes under the page")
	web := webPrereqs(t)
	bin := filepath.Join(cl.bin, "webchat")
	build := exec.Command("go", "build", "-o", bin, "github.com/whaleim/whaleim/im-sdk/web/cmd/webchat")
	build.Dir = cl.root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build webchat: %v\n%s", err, out)
	}
	p, err := cl.spawn("webchat", bin, []string{"IM_WEB_ADDR=" + cl.webAddr, "IM_DOMAIN_URL=" + cl.domainURL,
		fmt.Sprintf("IM_APP_ID=%d", cl.appID)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	u := newUsers(t, "web", 2)
	shots := os.Getenv("WEBCHAT_SCREENSHOTS")
	if shots == "" {
		shots = filepath.Join(cl.root, "test-results", "webchat")
	}
	cmd := exec.Command("node", filepath.Join(web, "test", "chat.browser.mjs"))
	cmd.Env = append(os.Environ(), "WEB_URL=http://"+cl.webAddr+"/", "USER_A="+u[0], "SIGN_A="+sign(t, u[0]),
		"USER_B="+u[1], "SIGN_B="+sign(t, u[1]), "SCREENSHOTS="+shots)
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	timer := time.AfterFunc(3*time.Minute, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	go func() { defer close(done); driveGateways(t, stdout, stdin) }()
	<-done
	if err := cmd.Wait(); err != nil {
		t.Fatalf("browser test: %v (screenshots in %s)", err, shots)
	}
	t.Logf("screenshots in %s", shots)
}

// TestTypeScriptQuickStart runs the TypeScript SDK's quick start
// (im-sdk/ts/examples/quickstart.mjs, the published ESM build under Node)
// against the platform: alice's message reaches bob, bob's read mark
// reaches alice.
func TestTypeScriptQuickStart(t *testing.T) {
	webPrereqs(t)
	u := newUsers(t, "tsqs", 2)
	cmd := exec.Command("node", filepath.Join(cl.root, "im-sdk", "ts", "examples", "quickstart.mjs"))
	cmd.Env = append(os.Environ(), "API_URL="+cl.domainURL, fmt.Sprintf("APP_ID=%d", cl.appID),
		"USER_A="+u[0], "SIGN_A="+sign(t, u[0]), "USER_B="+u[1], "SIGN_B="+sign(t, u[1]))
	timer := time.AfterFunc(time.Minute, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil || !strings.Contains(string(out), "quick start: OK") {
		t.Fatalf("quick start: %v", err)
	}
}

// driveGateways relays the script's output to the test log and answers
// its requests to stop and start the gateways.
func driveGateways(t *testing.T, out io.Reader, in io.WriteCloser) {
	defer in.Close()
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		t.Log(line)
		var err error
		switch line {
		case "@stop-gateways":
			for i := range cl.gateways {
				cl.procs[fmt.Sprintf("gateway%d", i+1)].Kill()
			}
		case "@start-gateways":
			for i := range cl.gateways {
				if err = cl.startGateway(i); err != nil {
					break
				}
			}
		default:
			continue
		}
		answer := "ok"
		if err != nil {
			answer = err.Error()
		}
		fmt.Fprintln(in, answer)
	}
}

// webPrereqs returns im-sdk/web after checking what `./build.sh web` and
// `./build.sh sdk-ts` provide.
func webPrereqs(t *testing.T) string {
	t.Helper()
	web := filepath.Join(cl.root, "im-sdk", "web")
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	var missing []string
	for _, need := range []struct{ what, path string }{
		{"node", ""},
		{"playwright-core (npm ci in im-sdk)", filepath.Join(cl.root, "im-sdk", "node_modules", "playwright-core", "package.json")},
		{"the built demo", filepath.Join(web, "webdemo", "dist", "index.html")},
		{"the SDK's ESM build (./build.sh sdk-ts)", filepath.Join(cl.root, "im-sdk", "ts", "dist", "index.js")},
		{"chromium", chromium},
	} {
		if need.path == "" {
			if _, err := exec.LookPath(need.what); err != nil {
				missing = append(missing, need.what)
			}
			continue
		}
		if _, err := os.Stat(need.path); err != nil {
			missing = append(missing, need.what)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("missing %s: run ./build.sh web and ./build.sh sdk-ts first", strings.Join(missing, ", "))
	}
	return web
}
