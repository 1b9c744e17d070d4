//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/whaleim/whaleim/im-common/proctest"
)

// spawn starts path with args and env (added to the test's own),
// logging to name.log in the run's folder.
func (c *cluster) spawn(name, path string, env []string, args ...string) (*proctest.Proc, error) {
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	return proctest.Start(name, filepath.Join(c.tmp, name+".log"), cmd)
}

func (c *cluster) dumpLogs(w io.Writer) {
	names := make([]string, 0, len(c.procs))
	for n := range c.procs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if p := c.procs[n]; p != nil {
			fmt.Fprintf(w, "---- %s log tail (%s) ----\n%s\n", n, p.LogPath(), p.Tail(40))
		}
	}
}

// redisCmd sends one command to addr in RESP and returns the first reply line.
func redisCmd(addr string, args ...string) (string, error) {
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := nc.Write(b.Bytes()); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(nc).ReadString('\n')
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(line, "-") {
		return "", fmt.Errorf("redis: %s", strings.TrimSpace(line))
	}
	return strings.TrimSpace(line), nil
}

func redisPing(addr string) error {
	_, err := redisCmd(addr, "PING")
	return err
}

// mysqlExec runs sql through the mysql client (root, no password) and
// returns the tab-separated rows.
func mysqlExec(db, sql string) ([][]string, error) {
	args := []string{"-uroot", "-h127.0.0.1", "-N", "-B", "-e", sql}
	if db != "" {
		args = append(args, db)
	}
	out, err := exec.Command("mysql", args...).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("mysql %q: %w: %s", sql, err, out)
	}
	var rows [][]string
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if l != "" {
			rows = append(rows, strings.Split(l, "\t"))
		}
	}
	return rows, nil
}
