package message

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-domain/internal/app"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
	"github.com/whaleim/whaleim/im-domain/internal/user"
)

// world is a set of fakes sharing one ordered event log.
type world struct {
	mu      sync.Mutex
	log     []string
	stored  []mq.StoreRecord
	acks    []payload.MessageAck
	pushes  []mq.Push
	events  []notify.Event
	dedup   map[string]Entry
	seq     map[string]int64
	keyHi   int64
	users   map[string]user.User
	rel     Relation
	group   Group
	online  map[string][]session.Session
	app     app.App
	failPub error
}

func newWorld() *world {
	return &world{dedup: map[string]Entry{}, seq: map[string]int64{},
		users:  map[string]user.User{"alice": {ID: "alice"}, "bob": {ID: "bob"}, "carol": {ID: "carol"}},
		rel:    Relation{Friends: true},
		online: map[string][]session.Session{},
		app:    app.App{ID: 1, Settings: app.DefaultSettings()}}
}

func (w *world) note(s string) { w.mu.Lock(); w.log = append(w.log, s); w.mu.Unlock() }

func (w *world) service(t *testing.T) *Service {
	t.Helper()
	return NewService(Deps{Apps: (*fakeApps)(w), Users: (*fakeUsers)(w), Friends: (*fakeFriends)(w),
		Groups: (*fakeGroups)(w), Dedup: (*fakeDedup)(w), Seqs: (*fakeSeqs)(w), Keys: NewKeys((*fakeKeys)(w), 10),
		Store: &fakeStore{}, StorePub: (*storePub)(w), Pushes: (*pushPub)(w), Notifier: (*fakeNotifier)(w),
		Presence: (*fakePresence)(w), Conversations: (*fakeConvs)(w), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

type fakeApps world

func (f *fakeApps) App(context.Context, uint32) (*app.App, error) { return &f.app, nil }

type fakeUsers world

func (f *fakeUsers) One(_ context.Context, _ uint32, id string) (user.User, error) {
	u, ok := f.users[id]
	if !ok {
		return u, errcode.UserNotFound
	}
	return u, nil
}

type fakeFriends world

func (f *fakeFriends) Relation(context.Context, uint32, string, string) (Relation, error) {
	return f.rel, nil
}

type fakeGroups world

func (f *fakeGroups) Group(context.Context, uint32, string, string) (Group, error) {
	return f.group, nil
}
func (f *fakeGroups) Joined(context.Context, uint32, string) ([]string, error) { return nil, nil }

type fakeDedup world

func dk(app uint32, from, id string) string { return fmt.Sprint(app, from, id) }

func (f *fakeDedup) Claim(_ context.Context, a uint32, from, id string, e Entry) (Entry, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if old, ok := f.dedup[dk(a, from, id)]; ok {
		return old, false, nil
	}
	f.dedup[dk(a, from, id)] = e
	f.log = append(f.log, "claim")
	return e, true, nil
}
func (f *fakeDedup) Get(_ context.Context, a uint32, from, id string) (Entry, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.dedup[dk(a, from, id)]
	return e, ok, nil
}
func (f *fakeDedup) Save(_ context.Context, a uint32, from, id string, e Entry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dedup[dk(a, from, id)] = e
	f.log = append(f.log, "dedup:"+string(e.State))
	return nil
}
func (f *fakeDedup) Release(_ context.Context, a uint32, from, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.dedup, dk(a, from, id))
	f.log = append(f.log, "release")
	return nil
}

type fakeSeqs world

func (f *fakeSeqs) Next(_ context.Context, _ uint32, conv string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq[conv]++
	return f.seq[conv], nil
}

type fakeKeys world

func (f *fakeKeys) ReserveKeys(_ context.Context, n int64) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keyHi += n
	return f.keyHi, nil
}

type storePub world

func (f *storePub) Publish(_ context.Context, ex, _ string, body []byte) error {
	if f.failPub != nil {
		return f.failPub
	}
	var r mq.StoreRecord
	if err := json.Unmarshal(body, &r); err != nil || ex != mq.ExchangeStore {
		return fmt.Errorf("bad store publish %s: %v", ex, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stored = append(f.stored, r)
	f.log = append(f.log, "store:"+string(r.Op))
	return nil
}

type pushPub world

func (f *pushPub) Publish(_ context.Context, _, _ string, body []byte) error {
	var p mq.Push
	if err := json.Unmarshal(body, &p); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pushes = append(f.pushes, p)
	if p.Command == command.MessageAck || p.Command == command.GroupMessageAck || p.Command == command.MessageRecallAck {
		var a payload.MessageAck
		_ = json.Unmarshal(p.Data, &a)
		f.acks = append(f.acks, a)
	}
	f.log = append(f.log, fmt.Sprint("push:", int(p.Command)))
	return nil
}

type fakeNotifier world

func (f *fakeNotifier) Notify(_ context.Context, ev notify.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, ev)
	f.log = append(f.log, fmt.Sprint("notify:", int(ev.Command)))
	return nil
}

type fakePresence world

func (f *fakePresence) Online(_ context.Context, _ uint32, ids []string) (map[string][]session.Session, error) {
	return f.online, nil
}

type fakeConvs world

func (f *fakeConvs) OnMessage(context.Context, mq.Message, []string) error {
	(*world)(f).note("conversation")
	return nil
}

func (f *fakeConvs) MarkRead(context.Context, uint32, string, string, int64) error {
	(*world)(f).note("conversation read")
	return nil
}

// fakeStore is a Store with nothing persisted.
type fakeStore struct {
	Store
	msgs map[int64]mq.Message
}

func (f *fakeStore) Stored(context.Context, uint32, string, string) (mq.Message, bool, error) {
	return mq.Message{}, false, nil
}
func (f *fakeStore) Touch(context.Context, uint32, string, ...string) error { return nil }
func (f *fakeStore) ByKey(_ context.Context, _ uint32, k int64) (mq.Message, bool, error) {
	m, ok := f.msgs[k]
	return m, ok, nil
}

var alicePhone = device.ID{AppID: 1, UserID: "alice", Type: device.Type(3), IMEI: "p1"}
