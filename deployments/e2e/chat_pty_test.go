//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/whaleim/whaleim/im-common/testwait"
)

// terminal is a process driven through a pseudo-terminal, as a person
// at a keyboard would.
type terminal struct {
	t    *testing.T
	name string
	pty  *os.File
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

// openPTY returns the master side and the path of a new pseudo-terminal.
func openPTY() (*os.File, string, error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, "", err
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		m.Close()
		return nil, "", e
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		m.Close()
		return nil, "", e
	}
	return m, fmt.Sprintf("/dev/pts/%d", n), nil
}

// startTerminal runs imctl with args on a fresh pseudo-terminal.
func startTerminal(t *testing.T, name string, args ...string) *terminal {
	t.Helper()
	m, path, err := openPTY()
	if err != nil {
		t.Fatal(err)
	}
	slave, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(cl.bin, "imctl"), args...)
	cmd.Env = append(os.Environ(), "IM_REST_URL="+cl.domainURL, fmt.Sprint("IM_APP_ID=", cl.appID), "IM_APP_SECRET="+cl.secret)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	term := &terminal{t: t, name: name, pty: m, cmd: cmd, done: make(chan struct{})}
	go func() {
		defer close(term.done)
		buf := make([]byte, 4096)
		for {
			n, err := m.Read(buf)
			term.mu.Lock()
			term.out.Write(buf[:n])
			term.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		m.Close()
	})
	return term
}

// typeLine types one line and Enter.
func (term *terminal) typeLine(s string) {
	term.t.Helper()
	if _, err := term.pty.Write([]byte(s + "\r")); err != nil {
		term.t.Fatalf("%s: type %q: %v", term.name, s, err)
	}
}

// expect waits until the screen shows want.
func (term *terminal) expect(want string) {
	term.t.Helper()
	if err := testwait.Poll(20*time.Second, func() error {
		term.mu.Lock()
		defer term.mu.Unlock()
		if strings.Contains(term.out.String(), want) {
			return nil
		}
		return fmt.Errorf("not yet")
	}); err != nil {
		term.mu.Lock()
		defer term.mu.Unlock()
		term.t.Fatalf("%s never showed %q; screen:\n%s", term.name, want, term.out.String())
	}
}

// TestImctlChatInTerminals: two people chat with "imctl chat" in two
// terminals: 1:1 with delivered and read marks, unread counts, a recall,
// a group message and the online friend list.
func TestImctlChatInTerminals(t *testing.T) {
	u := newUsers(t, "tty", 2)
	alice, bob := u[0], u[1]
	admin(t, "/v1/friendship/importFriendShip", map[string]any{"fromId": alice, "friendItem": []map[string]any{{"toId": bob}}}, nil)
	group := createGroup(t, alice, []string{bob})

	b := startTerminal(t, "bob", "chat", bob)
	b.expect("* connected")
	a := startTerminal(t, "alice", "chat", "--tcp", alice)
	a.expect("* connected")

	a.typeLine("/to " + bob)
	a.expect("* now in " + bob)
	a.typeLine("hello bob")
	a.expect(alice + ": hello bob (sent)")
	b.expect("[" + alice + "] #1 " + alice + ": hello bob")
	a.expect("[" + bob + "] #1 delivered")

	b.typeLine("/list")
	b.expect("unread 1")
	b.typeLine("/to " + alice)
	b.typeLine("/read")
	b.expect("read up to #1")
	a.expect("read by " + bob + " up to #1")

	a.typeLine("/recall")
	a.expect("* recalled")
	b.expect("a message was recalled")

	a.typeLine("/group " + group)
	a.typeLine("hi group")
	b.expect("[group " + group + "] #1 " + alice + ": hi group")

	a.typeLine("/online")
	a.expect("online (1 devices)")

	for _, term := range []*terminal{a, b} {
		term.typeLine("/quit")
		select {
		case <-term.done:
		case <-time.After(20 * time.Second):
			t.Fatalf("%s did not exit after /quit", term.name)
		}
	}
	if err := a.cmd.Wait(); err != nil {
		t.Errorf("alice's imctl chat: %v", err)
	}
}
