package main

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/usersign"
)

const testSecret = "0123456789abcdef-test"

// fakeDomain checks every call's sign like im-domain does and records it.
type fakeDomain struct {
	t      *testing.T
	mu     sync.Mutex
	calls  []recorded
	answer string // the envelope to send back
}

type recorded struct {
	path, identifier, random string
	body                     map[string]any
}

func (f *fakeDomain) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if _, err := usersign.Verify(q.Get("userSign"), []byte(testSecret), 10001, q.Get("identifier"), time.Now()); err != nil {
		f.t.Errorf("%s: sign: %v", r.URL.Path, err)
	}
	if q.Get("appId") != "10001" || r.Header.Get("Content-Type") != "application/json" {
		f.t.Errorf("%s: appId %q content type %q", r.URL.Path, q.Get("appId"), r.Header.Get("Content-Type"))
	}
	var body map[string]any
	raw, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(raw, &body); err != nil {
		f.t.Errorf("%s: body %s: %v", r.URL.Path, raw, err)
	}
	f.mu.Lock()
	f.calls = append(f.calls, recorded{path: r.URL.Path, identifier: q.Get("identifier"), random: q.Get("random"), body: body})
	f.mu.Unlock()
	_, _ = io.WriteString(w, f.answer)
}

func testEnv(url string) func(string) string {
	return func(k string) string {
		return map[string]string{"IM_REST_URL": url, "IM_APP_ID": "10001", "IM_APP_SECRET": testSecret,
			"IM_APP_ADMIN": "boss,other"}[k]
	}
}

func imctl(t *testing.T, url string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(t.Context(), args, testEnv(url), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCommandsSendTheRightCall(t *testing.T) {
	tests := []struct {
		name string
		args []string
		path string
		as   string
		body string // JSON the fake must have received
	}{
		{"user import", []string{"user", "import", "alice", "bob"}, "/v1/user/importUser", "boss",
			`{"userData":[{"nickName":"alice","userId":"alice"},{"nickName":"bob","userId":"bob"}]}`},
		{"user import nick", []string{"user", "import", "--nick", "Al", "alice"}, "/v1/user/importUser", "boss",
			`{"userData":[{"nickName":"Al","userId":"alice"}]}`},
		{"group create", []string{"group", "create", "--name", "Team", "--owner", "alice", "bob", "--type", "1"}, "/v1/group/createGroup", "boss",
			`{"groupId":"","groupName":"Team","groupType":1,"member":[{"memberId":"bob"}],"ownerId":"alice"}`},
		{"message send", []string{"message", "send", "--from", "alice", "--to", "bob", "hello", "there"}, "/v1/message/send", "boss",
			`{"fromId":"alice","groupId":"","messageBody":"hello there","toId":"bob"}`},
		{"message group", []string{"message", "send", "--from", "alice", "--group", "g1", "hi"}, "/v1/message/send", "boss",
			`{"fromId":"alice","groupId":"g1","messageBody":"hi","toId":""}`},
		{"call", []string{"call", "/v1/user/data/getSingleUserInfo", `{"userId":"alice"}`}, "/v1/user/data/getSingleUserInfo", "boss",
			`{"userId":"alice"}`},
		{"call no body, as user", []string{"call", "--as", "alice", "/v1/message/getMaxSequences"}, "/v1/message/getMaxSequences", "alice", `{}`},
		{"admin flag", []string{"call", "/v1/x", "--admin", "root"}, "/v1/x", "root", `{}`},
		{"app get", []string{"app", "get"}, "/v1/app/getSettings", "boss", `{}`},
		{"app set", []string{"app", "set", "webhookUrl=https://h/x", "webhookEvents=friend.add.after,message.send.after", "recallWindowSeconds=30", "friendOnlySend=true"},
			"/v1/app/updateSettings", "boss", `{"friendOnlySend":true,"recallWindowSeconds":30,"webhookEvents":["friend.add.after","message.send.after"],"webhookUrl":"https://h/x"}`},
		{"app set no events", []string{"app", "set", "webhookEvents="}, "/v1/app/updateSettings", "boss", `{"webhookEvents":[]}`},
		{"app rotate", []string{"app", "rotate-secret", "--overlap", "1h"}, "/v1/app/rotateSecret", "boss", `{"overlapSeconds":3600,"secret":""}`},
		{"session list", []string{"session", "list", "--limit", "50", "--cursor", "17"}, "/v1/admin/onlineUsers", "boss", `{"cursor":"17","limit":50}`},
		{"session gateways", []string{"session", "gateways"}, "/v1/admin/gateways", "boss", `{}`},
		{"session logout", []string{"session", "logout", "bob"}, "/v1/admin/forceLogout", "boss", `{"reason":"","userId":"bob"}`},
		{"session logout device", []string{"session", "logout", "bob", "--type", "3", "--imei", "i1", "--reason", "bye"}, "/v1/admin/forceLogout", "boss",
			`{"device":{"clientType":3,"imei":"i1"},"reason":"bye","userId":"bob"}`},
		{"session broadcast", []string{"session", "broadcast", "--to", "a,b", "hello", "all"}, "/v1/admin/broadcast", "boss", `{"data":{"text":"hello all"},"userIds":["a","b"]}`},
		{"session broadcast json", []string{"session", "broadcast", "--json", `{"k":1}`}, "/v1/admin/broadcast", "boss", `{"data":{"k":1}}`},
		{"app rotate chosen", []string{"app", "rotate-secret", "--new-secret", "n-0123456789abcdef", "--overlap", "0s"}, "/v1/app/rotateSecret", "boss", `{"overlapSeconds":0,"secret":"n-0123456789abcdef"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeDomain{t: t, answer: `{"code":200,"msg":"ok","data":{"x":1}}`}
			srv := httptest.NewServer(f)
			defer srv.Close()
			code, out, errs := imctl(t, srv.URL, tt.args...)
			if code != 0 || len(f.calls) != 1 {
				t.Fatalf("exit %d, %d calls, stderr %q", code, len(f.calls), errs)
			}
			c := f.calls[0]
			got, _ := json.Marshal(c.body)
			if c.path != tt.path || c.identifier != tt.as || string(got) != tt.body || len(c.random) != 32 {
				t.Errorf("call %s as %s random %q body %s", c.path, c.identifier, c.random, got)
			}
			if out != "{\n  \"x\": 1\n}\n" {
				t.Errorf("stdout %q", out)
			}
		})
	}
}

func TestRandomIsFreshPerCall(t *testing.T) {
	f := &fakeDomain{t: t, answer: `{"code":200,"msg":"ok","data":null}`}
	srv := httptest.NewServer(f)
	defer srv.Close()
	for range 2 {
		if code, _, errs := imctl(t, srv.URL, "call", "/v1/x"); code != 0 {
			t.Fatal(errs)
		}
	}
	if f.calls[0].random == f.calls[1].random {
		t.Error("two calls carried the same random")
	}
}

func TestErrors(t *testing.T) {
	closed := closedURL(t)
	tests := []struct {
		name   string
		answer string
		url    string // overrides the fake
		args   []string
		code   int
		stderr string
	}{
		{"refused", `{"code":2002,"msg":"user sign invalid","data":null}`, "", []string{"call", "/v1/x"}, 1,
			"imctl: /v1/x refused: code 2002: user sign invalid"},
		{"not whaleim", `<html>502</html>`, "", []string{"call", "/v1/x"}, 1, "without a WhaleIM answer"},
		{"unreachable", "", closed, []string{"user", "import", "a"}, 1, "platform unreachable at " + closed},
		{"bad json", "", "", []string{"call", "/v1/x", "{nope"}, 2, "body is not valid JSON"},
		{"no path", "", "", []string{"call", "v1/x"}, 2, "PATH starting with /"},
		{"bad app", "", "", []string{"call", "/v1/x", "--app", "abc"}, 2, `--app / IM_APP_ID: "abc" is not an app id`},
		{"bad url", "", "ftp://x", []string{"call", "/v1/x"}, 2, "must start with http://"},
		{"two targets", "", "", []string{"message", "send", "--from", "a", "--to", "b", "--group", "g", "x"}, 2, "exactly one of --to and --group"},
		{"no text", "", "", []string{"message", "send", "--from", "a", "--to", "b"}, 2, "text is missing"},
		{"no name", "", "", []string{"group", "create", "bob"}, 2, "--name is required"},
		{"no users", "", "", []string{"user", "import"}, 2, "at least one user id"},
		{"unknown verb", "", "", []string{"user", "delete"}, 2, `user: unknown "delete"`},
		{"unknown command", "", "", []string{"frob"}, 2, `unknown command "frob"`},
		{"unknown flag", "", "", []string{"sign", "--nope", "a"}, 2, "flag provided but not defined: -nope"},
		{"sign two", "", "", []string{"sign", "a", "b"}, 2, "exactly one identifier"},
		{"logout half device", "", "", []string{"session", "logout", "bob", "--imei", "x"}, 2, "--type and --imei go together"},
		{"broadcast bad json", "", "", []string{"session", "broadcast", "--json", "{x"}, 2, "not valid JSON"},
		{"app set nothing", "", "", []string{"app", "set"}, 2, "KEY=VALUE... with KEY one of blacklistCheckOnSend"},
		{"app set unknown", "", "", []string{"app", "set", "color=red"}, 2, `unknown setting "color"`},
		{"app set not a pair", "", "", []string{"app", "set", "friendOnlySend"}, 2, "is not KEY=VALUE"},
		{"app set bad int", "", "", []string{"app", "set", "maxGroupSize=big"}, 2, "not a whole number"},
		{"app set bad bool", "", "", []string{"app", "set", "friendOnlySend=maybe"}, 2, "true or false"},
		{"app rotate negative", "", "", []string{"app", "rotate-secret", "--overlap", "-1h"}, 2, "overlap >= 0"},
		{"app refused", `{"code":1002,"msg":"missing or invalid field: routeStrategy: 1 random","data":null}`, "", []string{"app", "set", "routeStrategy=9"}, 1,
			"/v1/app/updateSettings refused: code 1002: missing or invalid field: routeStrategy"},
		{"sign short", "", "", []string{"sign", "a", "--expire", "1ms"}, 2, "at least 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(&fakeDomain{t: t, answer: tt.answer})
			defer srv.Close()
			url := srv.URL
			if tt.url != "" {
				url = tt.url
			}
			code, out, errs := imctl(t, url, tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.stderr) || out != "" {
				t.Errorf("exit %d stdout %q stderr %q; want exit %d and %q", code, out, errs, tt.code, tt.stderr)
			}
		})
	}
}

func TestMissingSecret(t *testing.T) {
	var errb bytes.Buffer
	code := run(t.Context(), []string{"sign", "alice"}, func(string) string { return "" }, strings.NewReader(""), io.Discard, &errb)
	if code != 2 || !strings.Contains(errb.String(), "IM_APP_SECRET") {
		t.Errorf("exit %d: %s", code, errb.String())
	}
}

func closedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestSignVerifies(t *testing.T) {
	tests := []struct {
		args   []string
		expire time.Duration
	}{
		{[]string{"sign", "alice"}, 24 * time.Hour},
		{[]string{"sign", "alice", "--expire", "1h"}, time.Hour},
		{[]string{"sign", "--expire", "90s", "--app", "10001", "--secret", testSecret, "alice"}, 90 * time.Second},
	}
	for _, tt := range tests {
		code, out, errs := imctl(t, "http://unused", tt.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", tt.args, code, errs)
		}
		c, err := usersign.Verify(strings.TrimSpace(out), []byte(testSecret), 10001, "alice", time.Now())
		if err != nil || c.Expire != tt.expire {
			t.Errorf("%v: %v, expire %v", tt.args, err, c.Expire)
		}
	}
}

// TestCallOverTLS: --ca trusts a private CA for an https:// platform; an
// untrusted certificate is an error, not a silent fallback.
func TestCallOverTLS(t *testing.T) {
	f := &fakeDomain{t: t, answer: `{"code":200,"msg":"ok","data":{"x":1}}`}
	srv := httptest.NewTLSServer(f)
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := imctl(t, srv.URL, "app", "get", "--ca", ca); code != 0 || len(f.calls) != 1 {
		t.Fatalf("with --ca: exit %d, %d calls, stderr %q", code, len(f.calls), errs)
	}
	if code, _, errs := imctl(t, srv.URL, "app", "get"); code == 0 || !strings.Contains(errs, "certificate") {
		t.Fatalf("without --ca: exit %d, stderr %q, want a certificate error", code, errs)
	}
	if code, _, errs := imctl(t, srv.URL, "app", "get", "--ca", "/nonexistent.pem"); code != 2 || !strings.Contains(errs, "--ca / IM_TLS_CA") {
		t.Fatalf("missing CA file: exit %d, stderr %q", code, errs)
	}
}
