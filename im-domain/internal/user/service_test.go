package user

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
)

type memStore struct {
	Store
	mu    sync.Mutex
	users map[string]User
	reads int // Users calls
}

func (m *memStore) Users(_ context.Context, _ uint32, ids []string) ([]User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reads++
	var out []User
	for _, id := range ids {
		if u, ok := m.users[id]; ok {
			out = append(out, u)
		}
	}
	return out, nil
}

func (m *memStore) UpdateUser(_ context.Context, _ uint32, id string, fn func(*User) error) (User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.users[id]
	if err := fn(&u); err != nil {
		return User{}, err
	}
	m.users[id] = u
	return u, nil
}

type nopPresence struct{}

func (nopPresence) Online(context.Context, uint32, []string) (map[string][]session.Session, error) {
	return nil, nil
}

func (nopPresence) DropSessions(context.Context, uint32, []string) error { return nil }

type nopNotifier struct{}

func (nopNotifier) Notify(context.Context, notify.Event) error { return nil }

type recordedCallback struct {
	appID   uint32
	event   string
	payload any
}

type callbacks []recordedCallback

func (c *callbacks) After(_ context.Context, appID uint32, event string, payload any) {
	*c = append(*c, recordedCallback{appID, event, payload})
}

func TestModifyQueuesAfterCallback(t *testing.T) {
	store := &memStore{users: map[string]User{"alice": {ID: "alice", NickName: "a", FriendAllowType: AllowAny, Type: 1}}}
	var cb callbacks
	s := NewService(store, nopPresence{}, nopNotifier{}, &cb, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	name := "Queen"
	if _, err := s.Modify(t.Context(), 9, "alice", Patch{NickName: &name}, nil); err != nil {
		t.Fatal(err)
	}
	bad := 7
	if _, err := s.Modify(t.Context(), 9, "alice", Patch{FriendAllowType: &bad}, nil); err == nil {
		t.Fatal("invalid patch accepted")
	}
	if len(cb) != 1 || cb[0].appID != 9 || cb[0].event != "user.modify.after" || cb[0].payload.(User).NickName != "Queen" {
		t.Errorf("callbacks = %+v (only the successful modify calls back)", cb)
	}
}
