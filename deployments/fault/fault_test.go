//go:build fault

package fault

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// env is the harness of this test binary: the private dependencies start
// once and serve every scenario.
var env *Env

var (
	reportsMu sync.Mutex
	reports   []*Report
)

func TestMain(m *testing.M) {
	root, _ := filepath.Abs("../..")
	dir, err := os.MkdirTemp("", "whaleim-fault-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := 1
	if env, err = NewEnv(root, dir, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "fault: start:", err)
	} else {
		code = m.Run()
		env.Close()
		printTable()
	}
	if code == 0 && os.Getenv("FAULT_KEEP") == "" {
		_ = os.RemoveAll(dir)
	} else {
		fmt.Fprintln(os.Stderr, "fault: logs kept in", dir)
	}
	os.Exit(code)
}

func printTable() {
	reportsMu.Lock()
	defer reportsMu.Unlock()
	if len(reports) == 0 {
		return
	}
	fmt.Printf("\nfault results, %s, %d msgs/s for %v per scenario:\n\n%s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		DefaultParams.Rate, DefaultParams.Duration, TableHeader)
	for _, r := range reports {
		fmt.Println(r.Row())
	}
}

// TestFault runs every scenario of the matrix, each a subtest that passes
// only with every ledger count 0 (-run 'TestFault/gateway-kill$' for one).
func TestFault(t *testing.T) {
	for _, sc := range Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			r, err := env.Run(ctx, sc, DefaultParams)
			if err != nil {
				t.Fatal(err)
			}
			reportsMu.Lock()
			reports = append(reports, r)
			reportsMu.Unlock()
			t.Log(r.Summary())
			if !r.Passed() {
				t.Errorf("ledger violations:\n%s", strings.Join(r.Failures, "\n"))
			}
		})
	}
}
