//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-sdk/go/imclient"
)

// imctl runs the imctl binary against the platform with the run's app in
// IM_* variables and returns its exit code and output.
func imctl(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(cl.bin, "imctl"), args...)
	cmd.Env = append(os.Environ(), "IM_REST_URL="+cl.domainURL, fmt.Sprintf("IM_APP_ID=%d", cl.appID),
		"IM_APP_SECRET="+cl.secret, "IM_APP_ADMIN=admin")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("imctl %v: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

// imctlOK runs imctl and requires success.
func imctlOK(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := imctl(t, args...)
	if code != 0 {
		t.Fatalf("imctl %v: exit %d: %s", args, code, errs)
	}
	return out
}

// TestImctlFirstMessage is the README's "your first message": users, a
// sign and a group made with imctl, a client logged in with that sign
// receives the messages imctl sends.
func TestImctlFirstMessage(t *testing.T) {
	alice, bob := "ctl_a_"+randHex(3), "ctl_b_"+randHex(3)
	imctlOK(t, "user", "import", alice, bob)
	b := loginWith(t, bob, strings.TrimSpace(imctlOK(t, "sign", bob, "--expire", "1h")))

	var ack struct {
		MessageID string `json:"messageId"`
		Seq       int64  `json:"messageSequence"`
	}
	mustJSON(t, []byte(imctlOK(t, "message", "send", "--from", alice, "--to", bob, "hello", "from", "imctl")), &ack)
	var grp struct {
		GroupID string `json:"groupId"`
	}
	mustJSON(t, []byte(imctlOK(t, "group", "create", "--name", "ctl team", "--owner", alice, bob)), &grp)
	imctlOK(t, "message", "send", "--from", alice, "--group", grp.GroupID, "hi team")
	testwait.Eventually(t, 15*time.Second, func() error {
		p2p, g := b.messages(command.MessageP2P), b.messages(command.GroupMessage)
		if len(p2p) != 1 || p2p[0].MessageBody != "hello from imctl" || p2p[0].MessageID != ack.MessageID || len(g) != 1 || g[0].MessageBody != "hi team" {
			return fmt.Errorf("bob got %+v and %+v (ack %+v)", p2p, g, ack)
		}
		return nil
	})
	info := imctlOK(t, "call", "/v1/user/data/getSingleUserInfo", fmt.Sprintf(`{"userId":%q}`, alice))
	if !strings.Contains(info, `"userId": "`+alice+`"`) {
		t.Errorf("getSingleUserInfo printed %s", info)
	}
}

// TestImctlErrors: a refusal names the path, code and message; a wrong
// secret is refused by the platform; an absent platform is named.
func TestImctlErrors(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"refused", []string{"call", "/v1/user/data/getSingleUserInfo", `{"userId":"ctl_nobody_` + randHex(3) + `"}`},
			"/v1/user/data/getSingleUserInfo refused: code 3000: user not found: ctl_nobody_"},
		{"wrong secret", []string{"user", "import", "x", "--secret", "wrong-secret-0123456789"}, "/v1/user/importUser refused: code 200"},
		{"no such endpoint", []string{"call", "/v1/nope"}, "/v1/nope refused: code"},
		{"unreachable", []string{"call", "/v1/user/importUser", "--url", "http://" + freePort()}, "platform unreachable at http://127.0.0.1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := imctl(t, tt.args...)
			if code != 1 || out != "" || !strings.Contains(errs, tt.stderr) {
				t.Errorf("exit %d stdout %q stderr %q, want exit 1 and %q", code, out, errs, tt.stderr)
			}
		})
	}
}

// loginWith logs user in over WebSocket on gateway 1 with sign.
func loginWith(t *testing.T, user, sign string) *dev {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := imclient.DialWebSocket(ctx, "ws://"+cl.gateways[0].ws+"/ws", imclient.Device{AppID: cl.appID, Type: device.Web, IMEI: "imei-" + randHex(4)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(ctx, user, sign); err != nil {
		t.Fatalf("login %s with the imctl sign: %v", user, err)
	}
	d := &dev{Client: c, user: user, name: user + "/imctl"}
	go d.record()
	return d
}

// TestImctlRotateSecret: after a rotation with an overlap, a sign of the
// old secret still logs in at the gateways and a sign of the new one logs
// in once the gateways' app cache has the new secret; imctl then works
// with the new secret. The run goes on with the new secret.
func TestImctlRotateSecret(t *testing.T) {
	user := "ctl_rot_" + randHex(3)
	imctlOK(t, "user", "import", user)
	oldSign := sign(t, user)
	var rot struct {
		Secret              string `json:"secret"`
		PreviousSecretUntil int64  `json:"previousSecretUntil"`
	}
	mustJSON(t, []byte(imctlOK(t, "app", "rotate-secret", "--overlap", "1h")), &rot)
	if len(rot.Secret) < 16 || rot.Secret == cl.secret {
		t.Fatalf("rotation printed %+v", rot)
	}
	cl.secret = rot.Secret
	newSign := sign(t, user)
	for i, g := range cl.gateways {
		if err := trySign(g, user, oldSign); err != nil {
			t.Errorf("gateway %d: old-secret sign in the overlap: %v", i+1, err)
		}
		testwait.Eventually(t, 30*time.Second, func() error { return trySign(g, user, newSign) })
	}
	var s struct {
		PreviousSecretUntil int64 `json:"previousSecretUntil"`
	}
	mustJSON(t, []byte(imctlOK(t, "app", "get")), &s)
	if s.PreviousSecretUntil != rot.PreviousSecretUntil {
		t.Errorf("app get: previousSecretUntil %d, want %d", s.PreviousSecretUntil, rot.PreviousSecretUntil)
	}
	code, _, errs := imctl(t, "app", "get", "--secret", "unrelated-secret-0123")
	if code != 1 || !strings.Contains(errs, "code 2002") {
		t.Errorf("unrelated secret: exit %d %s", code, errs)
	}
}

// trySign logs user in on g over TCP with sign once and closes the
// connection, reporting failure as an error (an *errcode.Error for a
// refusal).
func trySign(g *gatewayAddr, user, sign string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := imclient.DialTCP(ctx, g.tcp, imclient.Device{AppID: cl.appID, Type: device.Android, IMEI: "imei-" + randHex(4)})
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Login(ctx, user, sign)
}
