//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/whaleim/whaleim/im-common/proctest"
	"github.com/whaleim/whaleim/im-common/rediscmd"
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

func redisCmd(addr string, args ...string) (string, error) {
	return rediscmd.Do(context.Background(), addr, args...)
}

func redisPing(addr string) error { return rediscmd.Ping(context.Background(), addr) }

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
