package httpapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/throttle"
	"github.com/whaleim/whaleim/im-common/usersign"
)

// Nonces remembers the random of admin calls (redisdb.Client).
type Nonces interface {
	// ClaimNonce records random for ttl and reports whether it was fresh.
	ClaimNonce(ctx context.Context, appID uint32, identifier, random string, ttl time.Duration) (bool, error)
}

// Refused-auth log lines: at most refusedLogBurst per refusedLogWindow, so
// a guessing flood cannot flood the log; the next line let through counts
// the lines left out.
const (
	refusedLogBurst  = 10
	refusedLogWindow = time.Second
	maxLoggedID      = 80 // bytes of the identifier kept in a log line
	maxRandom        = 64 // bytes of an admin call's random
)

// guard throttles and logs refused authentications.
type guard struct {
	failures *throttle.Failures[source] // per (client IP, appId)
	lines    *throttle.Failures[struct{}]
	dropped  atomic.Int64
}

// source is where failed authentications come from: the client's IP and
// the appId it named (the raw parameter, so unknown apps count too).
type source struct{ ip, app string }

func newGuard(limit int, window time.Duration) *guard {
	return &guard{failures: throttle.New[source](limit, window), lines: throttle.New[struct{}](refusedLogBurst, refusedLogWindow)}
}

func sourceOf(r *http.Request) source {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return source{ip: ip, app: clip(authParam(r, "appId", "X-IM-AppId"), 16)}
}

// authenticate refuses a throttled source unheard, then verifies the
// request; an authentication failure counts against its source and is
// logged (rate-limited): IP, app, identifier and code, never the sign.
func (s *Server) authenticate(r *http.Request) (*Caller, error) {
	src, now := sourceOf(r), s.now()
	if s.guard.failures.Blocked(src, now) {
		s.refused(r, src, errcode.AuthThrottled)
		return nil, errcode.AuthThrottled
	}
	c, err := s.verify(r, now)
	if err != nil && usersign.IsAuthError(err) {
		s.guard.failures.Fail(src, now)
		s.refused(r, src, err)
	}
	return c, err
}

func (s *Server) refused(r *http.Request, src source, err error) {
	now := s.now()
	if s.guard.lines.Blocked(struct{}{}, now) {
		s.guard.dropped.Add(1)
		return
	}
	s.guard.lines.Fail(struct{}{}, now)
	e := errcode.Of(err)
	s.log.WarnContext(r.Context(), "auth refused", "ip", src.ip, "app", src.app,
		"identifier", clip(authParam(r, "identifier", "X-IM-Identifier"), maxLoggedID),
		"code", int(e.Code), "reason", e.Message, "suppressed", s.guard.dropped.Swap(0))
}

// checkNonce, when IM_ADMIN_NONCE is on, requires an admin call to carry a
// random never seen before from this admin while the sign is valid, so a
// captured admin request cannot be replayed.
func (s *Server) checkNonce(r *http.Request, c *Caller, claims usersign.Claims, now time.Time) error {
	random := authParam(r, "random", "X-IM-Random")
	switch {
	case random == "":
		return errcode.AdminNonce.With("random query parameter required")
	case len(random) > maxRandom:
		return errcode.AdminNonce.With("random: at most 64 bytes")
	}
	until := claims.Expires()
	if limit := claims.Issued.Add(s.cfg.AdminSignMaxAge); s.cfg.AdminSignMaxAge > 0 && limit.Before(until) {
		until = limit
	}
	fresh, err := s.svc.Nonces.ClaimNonce(r.Context(), c.App.ID, c.Identifier, random, until.Sub(now))
	if err != nil {
		return errors.Join(errcode.Unavailable, err)
	}
	if !fresh {
		return errcode.AdminNonce.With("random already used: replayed request refused")
	}
	return nil
}

// clip bounds an attacker-chosen string before it is logged or kept.
func clip(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "?")
}
