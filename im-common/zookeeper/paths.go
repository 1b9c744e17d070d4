package zookeeper

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

var errBadPath = errors.New("zookeeper: invalid path")

// checkPath accepts absolute znode paths without empty segments or a
// trailing slash. The root itself is allowed only where allowRoot says so:
// it can be watched but never registered.
func checkPath(p string, allowRoot bool) error {
	switch {
	case p == "/" && allowRoot:
		return nil
	case p == "" || p[0] != '/' || p == "/" || strings.HasSuffix(p, "/") || strings.Contains(p, "//"):
		return fmt.Errorf("%w: %q", errBadPath, p)
	}
	return nil
}

// parents lists the ancestors of p from the top, excluding "/" and p:
// "/im/gateways/7" gives ["/im", "/im/gateways"].
func parents(p string) []string {
	var out []string
	for i := 1; i < len(p); i++ {
		if p[i] == '/' {
			out = append(out, p[:i])
		}
	}
	return out
}

// child joins a parent path and a child name.
func child(parent, name string) string {
	if parent == "/" {
		return "/" + name
	}
	return parent + "/" + name
}

// hexID formats a session id the way ZooKeeper's own logs do.
func hexID(sid int64) string {
	return fmt.Sprintf("0x%x", uint64(sid))
}

// backoff spaces retries of failed ZooKeeper requests: doubling from min
// up to max, each wait jittered down to half so many clients do not retry
// in step after a shared outage.
type backoff struct {
	min, max, cur time.Duration
}

func newBackoff() *backoff {
	return &backoff{min: 100 * time.Millisecond, max: 2 * time.Second}
}

// next returns the wait before the following attempt.
func (b *backoff) next() time.Duration {
	b.cur = min(max(b.cur*2, b.min), b.max)
	return b.cur/2 + rand.N(b.cur/2+1)
}

// reset starts again from min after a success.
func (b *backoff) reset() {
	b.cur = 0
}
