package app

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
)

type memStore struct {
	apps  map[uint32]App
	loads int
}

func (m *memStore) App(_ context.Context, id uint32) (*App, error) {
	m.loads++
	a, ok := m.apps[id]
	if !ok {
		return nil, ErrNotFound
	}
	return &a, nil
}

func (m *memStore) Apps(context.Context) ([]*App, error) {
	var out []*App
	for _, a := range m.apps {
		out = append(out, &a)
	}
	return out, nil
}

func (m *memStore) SaveApp(_ context.Context, a *App) error {
	m.apps[a.ID] = *a
	return nil
}

func (m *memStore) ModifyApp(ctx context.Context, id uint32, fn func(*App) error) (*App, error) {
	a, err := m.App(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := fn(a); err != nil {
		return nil, err
	}
	return a, m.SaveApp(ctx, a)
}

type memCache map[uint32]string

func (c memCache) PublishApp(_ context.Context, a *App) error {
	c[a.ID] = a.Secret
	return nil
}

func TestBootstrapKeepsSettingsAndPublishesAll(t *testing.T) {
	other := App{ID: 2, Secret: "other-secret-0123456", Admins: []string{"root"}, Settings: DefaultSettings()}
	kept := DefaultSettings()
	kept.Policy = device.PolicyUnlimited
	store := &memStore{apps: map[uint32]App{2: other, 1: {ID: 1, Secret: "old-secret-0123456789", Admins: []string{"x"}, Settings: kept}}}
	cache := memCache{}
	s := NewService(store, cache, time.Minute)
	if err := s.Bootstrap(t.Context(), 1, "new-secret-0123456789", []string{"admin"}); err != nil {
		t.Fatal(err)
	}
	a, _ := s.App(t.Context(), 1)
	if a.Secret != "new-secret-0123456789" || a.Settings.Policy != device.PolicyUnlimited || !a.IsAdmin("admin") {
		t.Errorf("app = %+v", a)
	}
	if cache[1] != "new-secret-0123456789" || cache[2] != other.Secret {
		t.Errorf("cache = %v", cache)
	}
}

func TestAppCacheTTL(t *testing.T) {
	store := &memStore{apps: map[uint32]App{}}
	s := NewService(store, memCache{}, time.Minute)
	now := time.Now()
	s.now = func() time.Time { return now }
	if err := s.Bootstrap(t.Context(), 1, "0123456789abcdef", []string{"admin"}); err != nil {
		t.Fatal(err)
	}
	store.loads = 0
	s.App(t.Context(), 1)
	s.App(t.Context(), 1)
	if store.loads != 1 {
		t.Errorf("loads within TTL = %d, want 1", store.loads)
	}
	now = now.Add(2 * time.Minute)
	s.App(t.Context(), 1)
	if store.loads != 2 {
		t.Errorf("loads after TTL = %d, want 2", store.loads)
	}
	if _, err := s.App(t.Context(), 99); !errors.Is(err, errcode.AppNotFound) {
		t.Errorf("unknown app: %v", err)
	}
}

func TestValidate(t *testing.T) {
	bad := []App{
		{ID: 0, Secret: "0123456789abcdef", Admins: []string{"a"}, Settings: DefaultSettings()},
		{ID: 1, Secret: "short", Admins: []string{"a"}, Settings: DefaultSettings()},
		{ID: 1, Secret: "0123456789abcdef", Settings: DefaultSettings()},
		{ID: 1, Secret: "0123456789abcdef", Admins: []string{"a"}},
	}
	for i, a := range bad {
		if err := a.Validate(); !errors.Is(err, errcode.MissingField) {
			t.Errorf("case %d: %v", i, err)
		}
	}
}
