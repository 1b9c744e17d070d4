package gateway

import (
	"crypto/rand"
	"log/slog"
	"sync"
	"time"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/throttle"
)

// guard is what the gateway does against clients probing it: it throttles
// failed logins per (IP, appId), answers an unknown app exactly like a bad
// sign (a sign checked against a secret nobody has), and logs refusals on
// a budget, so a flood of bad frames cannot flood the log.
type guard struct {
	fails *throttle.Failures[authKey]
	decoy []byte // the secret of every unknown app
	log   refusalLog
}

// authKey is who a failed login is counted against.
type authKey struct {
	ip  string
	app uint32
}

func newGuard(cfg Config, log *slog.Logger) *guard {
	decoy := make([]byte, 32)
	_, _ = rand.Read(decoy) // never fails (crypto/rand)
	return &guard{
		fails: throttle.New[authKey](cfg.Auth.FailLimit, cfg.Auth.FailWindow),
		decoy: decoy,
		log:   refusalLog{log: log, b: bucket{tokens: refusalBurst}},
	}
}

// Refusal log budget: lines per second and burst, for the whole node.
const (
	refusalRate  = 20
	refusalBurst = 100
)

// refusalLog writes one line per refused login, forged sender or framing
// violation (IP, app, user, code), within its budget; the lines it had to
// drop are counted on the next line written. It never sees a sign.
type refusalLog struct {
	log     *slog.Logger
	mu      sync.Mutex
	b       bucket
	dropped int
}

// note logs one refusal of what (login, sender, frame) from ip.
func (r *refusalLog) note(what, ip string, app uint32, user string, e *errcode.Error) {
	r.mu.Lock()
	now := time.Now()
	if r.b.last.IsZero() {
		r.b.last = now
	}
	if _, ok := r.b.reserve(now, refusalRate, refusalBurst, 0); !ok {
		r.dropped++
		r.mu.Unlock()
		return
	}
	dropped := r.dropped
	r.dropped = 0
	r.mu.Unlock()
	r.log.Warn("refused "+what, "ip", ip, "app", app, "user", user, "code", e.Code, "msg", e.Message, "dropped", dropped)
}
