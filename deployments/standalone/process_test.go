package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/sqlite"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-common/usersign"
	"github.com/whaleim/whaleim/im-sdk/go/imclient"
)

const testApp = 10000

// instance is the standalone binary as a process on one data folder.
type instance struct {
	bin, dir                string
	rest, tcp, ws, ops, web string
	cmd                     *exec.Cmd
	logs                    *bytes.Buffer
	secret                  string
	env                     []string // more settings, KEY=VALUE
}

// newInstance builds the binary once per test and picks its addresses.
func newInstance(t *testing.T) *instance {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "standalone")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return &instance{bin: bin, dir: filepath.Join(t.TempDir(), "data"),
		rest: freeAddr(t), tcp: freeAddr(t), ws: freeAddr(t), ops: freeAddr(t), web: freeAddr(t)}
}

// start runs the binary and waits until the REST API and the gateway are
// ready.
func (in *instance) start(t *testing.T) {
	t.Helper()
	in.logs = &bytes.Buffer{}
	in.cmd = exec.Command(in.bin)
	in.cmd.Env = append(os.Environ(), envDataDir+"="+in.dir, "IM_HTTP_ADDR="+in.rest, "IM_TCP_ADDR="+in.tcp,
		"IM_WS_ADDR="+in.ws, envGatewayHTTP+"="+in.ops, envStoreHTTP+"="+freeAddr(t), envWeb+"="+in.web, "IM_LOG_FORMAT=text")
	in.cmd.Env = append(in.cmd.Env, in.env...)
	in.cmd.Stdout, in.cmd.Stderr = in.logs, in.logs
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.kill() })
	err := testwait.Poll(30*time.Second, func() error {
		for _, base := range []string{in.rest, in.ops} {
			resp, err := http.Get("http://" + base + "/readyz")
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("%s readyz: %s", base, resp.Status)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("not ready: %v\n%s", err, in.logs)
	}
	b, err := os.ReadFile(filepath.Join(in.dir, "app-secret"))
	if err != nil {
		t.Fatal(err)
	}
	in.secret = strings.TrimSpace(string(b))
}

// kill sends SIGKILL: nothing is flushed, closed or deregistered.
func (in *instance) kill() {
	if in.cmd != nil && in.cmd.Process != nil {
		_ = in.cmd.Process.Signal(syscall.SIGKILL)
		_ = in.cmd.Wait()
	}
}

func (in *instance) sign(t *testing.T, user string) string {
	s, err := usersign.Generate([]byte(in.secret), testApp, user, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// admin calls a REST endpoint as the app's admin and fails t unless it
// answers code 200.
func (in *instance) admin(t *testing.T, path string, body any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	q := url.Values{"appId": {fmt.Sprint(testApp)}, "identifier": {"admin"}, "userSign": {in.sign(t, "admin")}}
	resp, err := http.Post("http://"+in.rest+path+"?"+q.Encode(), "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || env.Code != 200 {
		t.Fatalf("%s: %d %s (%v)", path, env.Code, env.Msg, err)
	}
}

// login connects user over TCP.
func (in *instance) login(t *testing.T, user string) *imclient.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, err := imclient.DialTCP(ctx, in.tcp, imclient.Device{AppID: testApp, Type: device.Android, IMEI: "imei-" + user})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(ctx, user, in.sign(t, user)); err != nil {
		t.Fatal(err)
	}
	return c
}

// database opens the data folder's SQLite file beside the running binary
// (WAL: readers do not block it).
func (in *instance) database(t *testing.T) *gorm.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(in.dir, "whaleim.db"), 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := db.DB(); err == nil {
			s.Close()
		}
	})
	return db
}

// storedIDs returns which of ids are rows of im_message.
func storedIDs(t *testing.T, db *gorm.DB, ids []string) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	for start := 0; start < len(ids); start += 500 {
		var part []string
		err := db.Table("im_message").Where("message_id IN ?", ids[start:min(start+500, len(ids))]).Pluck("message_id", &part).Error
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range part {
			got[id] = true
		}
	}
	return got
}
