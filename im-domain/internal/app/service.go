package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/whaleim/whaleim/im-common/errcode"
)

// ErrNotFound is returned by a Store for an unknown app; it matches
// errcode.AppNotFound.
var ErrNotFound = errcode.AppNotFound

// Store persists apps (mariadb.Apps).
type Store interface {
	App(ctx context.Context, id uint32) (*App, error)
	Apps(ctx context.Context) ([]*App, error)
	SaveApp(ctx context.Context, a *App) error
	// ModifyApp changes app id with fn and saves it atomically (fn's error
	// aborts the change).
	ModifyApp(ctx context.Context, id uint32, fn func(*App) error) (*App, error)
}

// Cache is where gateways read an app's secret and device policy
// (redisdb.AppCache).
type Cache interface {
	PublishApp(ctx context.Context, a *App) error
}

// Service loads and saves apps. Loaded apps are kept in memory for ttl so
// signature checks do not hit MySQL on every request, while a settings
// change made on another domain node shows up within ttl.
type Service struct {
	store Store
	cache Cache
	ttl   time.Duration
	now   func() time.Time

	mu     sync.Mutex
	loaded map[uint32]cached
}

type cached struct {
	app *App
	at  time.Time
}

// NewService returns a Service; ttl <= 0 disables the memory cache.
func NewService(store Store, cache Cache, ttl time.Duration) *Service {
	return &Service{store: store, cache: cache, ttl: ttl, now: time.Now, loaded: map[uint32]cached{}}
}

// App returns app id; errors match errcode.AppNotFound for unknown apps.
// Callers must not modify the returned App.
func (s *Service) App(ctx context.Context, id uint32) (*App, error) {
	now := s.now()
	s.mu.Lock()
	c, ok := s.loaded[id]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < s.ttl {
		return c.app, nil
	}
	a, err := s.store.App(ctx, id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.loaded[id] = cached{app: a, at: now}
	s.mu.Unlock()
	return a, nil
}

// modify changes app id atomically in the store, then forgets the
// in-memory copy and publishes the result to the gateways' cache.
func (s *Service) modify(ctx context.Context, id uint32, fn func(*App) error) (*App, error) {
	a, err := s.store.ModifyApp(ctx, id, func(a *App) error {
		if err := fn(a); err != nil {
			return err
		}
		return a.Validate()
	})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	delete(s.loaded, id)
	s.mu.Unlock()
	return a, s.cache.PublishApp(ctx, a)
}

// Save validates, stores and publishes a to the gateways' cache.
func (s *Service) Save(ctx context.Context, a *App) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if err := s.store.SaveApp(ctx, a); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.loaded, a.ID)
	s.mu.Unlock()
	return s.cache.PublishApp(ctx, a)
}

// Bootstrap makes sure the configured app exists. An existing app keeps its
// settings (they may have been changed since) and takes the configured
// admins. It takes the configured secret when that differs from the one
// last applied (changing IM_APP_SECRET and restarting rotates the secret);
// with the same IM_APP_SECRET it keeps a secret rotated over REST since.
// Then every app is published to the gateways' cache, which may have been
// flushed.
func (s *Service) Bootstrap(ctx context.Context, id uint32, secret string, admins []string) error {
	a, err := s.store.App(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		a = &App{ID: id, Settings: DefaultSettings()}
	case err != nil:
		return fmt.Errorf("app bootstrap: %w", err)
	}
	if h := configuredHash(secret); a.ConfiguredHash != h {
		a.Secret, a.ConfiguredHash = secret, h
	}
	a.Admins = admins
	if err := s.Save(ctx, a); err != nil {
		return fmt.Errorf("app bootstrap %d: %w", id, err)
	}
	return s.PublishAll(ctx)
}

// PublishAll writes every app to the gateways' cache.
func (s *Service) PublishAll(ctx context.Context) error {
	apps, err := s.store.Apps(ctx)
	if err != nil {
		return fmt.Errorf("app publish: %w", err)
	}
	for _, a := range apps {
		if err := s.cache.PublishApp(ctx, a); err != nil {
			return fmt.Errorf("app publish %d: %w", a.ID, err)
		}
	}
	return nil
}
