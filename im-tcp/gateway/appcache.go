package gateway

import (
	"context"
	"sync"
	"time"
)

// appCache keeps apps read from Apps for ttl. Misses and errors are not
// cached, so a newly created app works at its first login.
type appCache struct {
	src Apps
	ttl time.Duration
	mu  sync.Mutex
	m   map[uint32]cachedApp
}

type cachedApp struct {
	app     App
	expires time.Time
}

func newAppCache(src Apps, ttl time.Duration) *appCache {
	return &appCache{src: src, ttl: ttl, m: make(map[uint32]cachedApp)}
}

// App implements Apps.
func (a *appCache) App(ctx context.Context, appID uint32) (App, error) {
	now := time.Now()
	a.mu.Lock()
	e, ok := a.m[appID]
	a.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.app, nil
	}
	app, err := a.src.App(ctx, appID)
	if err != nil {
		return App{}, err
	}
	a.mu.Lock()
	a.m[appID] = cachedApp{app: app, expires: now.Add(a.ttl)}
	a.mu.Unlock()
	return app, nil
}
