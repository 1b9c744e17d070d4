package redisdb

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-tcp/gateway"
)

var _ gateway.Apps = (*Apps)(nil)

// Apps reads the app hash the domain writes. It does not cache: the
// gateway keeps its own short-lived cache in front of it.
type Apps struct {
	rdb redis.UniversalClient
}

// NewApps returns an app reader on rdb.
func NewApps(rdb redis.UniversalClient) *Apps { return &Apps{rdb: rdb} }

// App implements gateway.Apps. An app without a secret is unknown; a
// missing or invalid policy means device.PolicyUnlimited (never kick); a
// previous secret counts only with a valid overlap end.
func (a *Apps) App(ctx context.Context, appID uint32) (gateway.App, error) {
	m, err := a.rdb.HGetAll(ctx, session.AppKey(appID)).Result()
	if err != nil {
		return gateway.App{}, fmt.Errorf("redisdb app %d: %w", appID, err)
	}
	if m[session.AppFieldSecret] == "" {
		return gateway.App{}, errcode.AppNotFound
	}
	policy := device.PolicyUnlimited
	if n, err := strconv.Atoi(m[session.AppFieldPolicy]); err == nil && device.Policy(n).Valid() {
		policy = device.Policy(n)
	}
	app := gateway.App{Secret: []byte(m[session.AppFieldSecret]), Policy: policy}
	if until, err := strconv.ParseInt(m[session.AppFieldPrevUntil], 10, 64); err == nil && m[session.AppFieldPrevSecret] != "" {
		app.Previous, app.PreviousUntil = []byte(m[session.AppFieldPrevSecret]), time.UnixMilli(until)
	}
	return app, nil
}
