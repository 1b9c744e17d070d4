//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-sdk/go/whaleim"
)

// runREST is the REST API of ./build.sh run (its fixed, documented ports).
const runREST = "http://127.0.0.1:18000"

// TestRunCommandFirstMessage is the README's first start, as a newcomer
// does it: ./build.sh run builds and starts the standalone binary and
// prints the URLs, the admin identifier and the demo users' userSigns;
// imctl sends alice's message to bob, and a Go SDK client logged in as bob
// with the printed sign gets it; alice's SDK client sends another, live.
// After a restart on the same data folder both messages, the users and the
// group are still there.
func TestRunCommandFirstMessage(t *testing.T) {
	standaloneOnly(t, "starts its own standalone binary with ./build.sh run, on the documented ports")
	data := t.TempDir()
	out, took := startRun(t, data)
	t.Logf("./build.sh run printed its URLs and signs %v after the start", took.Round(time.Millisecond))
	for _, want := range []string{"http://127.0.0.1:18080", "ws://127.0.0.1:19002/ws", "TCP 127.0.0.1:19001",
		runREST + "/openapi.json", runREST + "/metrics", "admin identifier 'admin'", "curl -s"} {
		if !strings.Contains(out, want) {
			t.Errorf("./build.sh run did not print %q:\n%s", want, out)
		}
	}
	secret, err := os.ReadFile(filepath.Join(data, "app-secret"))
	if err != nil {
		t.Fatal(err)
	}
	body := "hello bob " + randHex(3)
	runImctl(t, strings.TrimSpace(string(secret)), "message", "send", "--from", "alice", "--to", "bob", body)
	bob := runClient(t, "bob", printedSign(t, out, "bob"))
	bob.await(t, body)
	alice := runClient(t, "alice", printedSign(t, out, "alice"))
	live := "hi again " + randHex(3)
	if _, err := alice.c.Send(context.Background(), whaleim.Outgoing{To: "bob", Body: live}); err != nil {
		t.Fatal(err)
	}
	bob.await(t, live)
	alice.c.Close()
	bob.c.Close()

	stopRun(t)
	out, took = startRun(t, data)
	t.Logf("restarted on the same data folder: ready %v after the start", took.Round(time.Millisecond))
	again := runClient(t, "bob", printedSign(t, out, "bob"))
	again.await(t, body)
	again.await(t, live)
	if got := runImctl(t, strings.TrimSpace(string(secret)), "call", "/v1/group/getGroupInfo", `{"groupId":"demo"}`); !strings.Contains(got, `"alice"`) || !strings.Contains(got, `"bob"`) {
		t.Errorf("group demo after the restart: %s", got)
	}
}

// runHandle is the ./build.sh run of the test, stopped at cleanup.
var runHandle *exec.Cmd

// startRun runs ./build.sh run with data as its data folder and returns
// what it printed up to bob's userSign, and how long that took.
func startRun(t *testing.T, data string) (string, time.Duration) {
	t.Helper()
	cmd := exec.Command(filepath.Join(cl.root, "build.sh"), "run")
	cmd.Dir = cl.root
	cmd.Env = append(os.Environ(), "IM_DATA_DIR="+data)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	runHandle = cmd
	t.Cleanup(func() { stopRun(t) })
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	var out strings.Builder
	deadline := time.After(3 * time.Minute) // a cold build on a loaded CI box; the time is logged
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("./build.sh run ended before printing the signs:\n%s", out.String())
			}
			out.WriteString(l + "\n")
			if strings.Contains(l, "curl -s") { // after the signs
				go func() { // keep the pipe drained while the binary runs
					for range lines {
					}
				}()
				return out.String(), time.Since(start)
			}
		case <-deadline:
			t.Fatalf("./build.sh run printed no signs within 3 minutes:\n%s", out.String())
		}
	}
}

// stopRun stops ./build.sh run as Ctrl-C does and waits for it.
func stopRun(t *testing.T) {
	t.Helper()
	if runHandle == nil {
		return
	}
	cmd := runHandle
	runHandle = nil
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Errorf("./build.sh run did not stop within 30 s of Ctrl-C")
	}
	testwait.Until(t, 30*time.Second, "the standalone binary stopped", func() bool {
		return !portOpen("127.0.0.1:18000")
	})
}

// printedSign returns the userSign ./build.sh run printed for user.
func printedSign(t *testing.T, out, user string) string {
	t.Helper()
	m := regexp.MustCompile(`userSign of ` + user + ` \(24h\)\s+(\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no userSign of %s in:\n%s", user, out)
	}
	return m[1]
}

// runImctl runs the imctl that ./build.sh run built against it.
func runImctl(t *testing.T, secret string, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(cl.root, "bin", "imctl"), args...)
	cmd.Env = append(os.Environ(), "IM_REST_URL="+runREST, "IM_APP_ID=10000", "IM_APP_SECRET="+secret)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("imctl %v: %v: %s", args, err, out)
	}
	return string(out)
}

// runUser is a Go SDK client of ./build.sh run and the bodies it received.
type runUser struct {
	c    *whaleim.Client
	recv chan string
}

// runClient logs user in with sign over WebSocket through the REST login
// route, as an app would.
func runClient(t *testing.T, user, sign string) *runUser {
	t.Helper()
	c, err := whaleim.New(whaleim.Config{RESTURLs: []string{runREST}, AppID: 10000, UserID: user,
		Sign: func(context.Context, string) (string, error) { return sign, nil }, Transport: whaleim.WebSocket,
		IMEI: "run-" + randHex(3)})
	if err != nil {
		t.Fatal(err)
	}
	u := &runUser{c: c, recv: make(chan string, 64)}
	go func() {
		for ev := range c.Events() {
			if m, ok := ev.(whaleim.MessageReceived); ok {
				u.recv <- m.Message.Body
			}
		}
	}()
	c.Start()
	t.Cleanup(func() { c.Close() })
	return u
}

// await waits until u received body.
func (u *runUser) await(t *testing.T, body string) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case b := <-u.recv:
			if b == body {
				return
			}
		case <-timeout:
			t.Fatalf("%q not received within 30 s", body)
		}
	}
}

// portOpen reports whether something listens on addr.
func portOpen(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
