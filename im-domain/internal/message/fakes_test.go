package message

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
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
	recent  []mq.Message
	read    map[string]int64 // "owner|conversation" -> conversation read position
}

func newWorld() *world {
	return &world{dedup: map[string]Entry{}, seq: map[string]int64{}, read: map[string]int64{},
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
		Presence: (*fakePresence)(w), Conversations: (*fakeConvs)(w), Recent: (*fakeRecent)(w), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
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

func (f *fakeConvs) MarkRead(_ context.Context, _ uint32, owner, conv string, seq int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.read[owner+"|"+conv] = max(f.read[owner+"|"+conv], seq)
	f.log = append(f.log, "conversation read")
	return nil
}

func (f *fakeConvs) ReadSeqs(_ context.Context, _ uint32, owner string) (map[string]int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int64{}
	for k, v := range f.read {
		if o, conv, _ := strings.Cut(k, "|"); o == owner {
			out[conv] = v
		}
	}
	return out, nil
}

func (f *fakeConvs) ReadCount(_ context.Context, _ uint32, conv string, seq int64, owners []string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, o := range owners {
		if f.read[o+"|"+conv] >= seq {
			n++
		}
	}
	return n, nil
}

// fakeRecent is an in-memory message.Recent.
type fakeRecent world

func (f *fakeRecent) Remember(_ context.Context, m mq.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recent = append(f.recent, m)
	f.log = append(f.log, "recent")
	return nil
}

func (f *fakeRecent) find(match func(mq.Message) bool) (mq.Message, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.recent {
		if match(m) {
			return m, true, nil
		}
	}
	return mq.Message{}, false, nil
}

func (f *fakeRecent) ByKey(_ context.Context, _ uint32, key int64) (mq.Message, bool, error) {
	return f.find(func(m mq.Message) bool { return m.MessageKey == key })
}

func (f *fakeRecent) BySeq(_ context.Context, _ uint32, conv string, seq int64) (mq.Message, bool, error) {
	return f.find(func(m mq.Message) bool { return m.ConversationID == conv && m.Seq == seq })
}

// fakeStore is a Store with nothing persisted; touched lists the
// "user|conversation" pairs Touch recorded.
type fakeStore struct {
	Store
	msgs    map[int64]mq.Message
	mu      sync.Mutex
	touched map[string]bool
}

func (f *fakeStore) Stored(context.Context, uint32, string, string) (mq.Message, bool, error) {
	return mq.Message{}, false, nil
}
func (f *fakeStore) Touch(_ context.Context, _ uint32, conv string, users ...string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.touched == nil {
		f.touched = map[string]bool{}
	}
	for _, u := range users {
		f.touched[u+"|"+conv] = true
	}
	return nil
}
func (f *fakeStore) Touched(_ context.Context, _ uint32, user, conv string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.touched[user+"|"+conv], nil
}
func (f *fakeStore) Forward(context.Context, uint32, string, string, Cursor, int64) error { return nil }
func (f *fakeStore) BySeq(_ context.Context, _ uint32, conv string, seq int64) (mq.Message, bool, error) {
	for _, m := range f.msgs {
		if m.ConversationID == conv && m.Seq == seq {
			return m, true, nil
		}
	}
	return mq.Message{}, false, nil
}
func (f *fakeStore) ByKey(_ context.Context, _ uint32, k int64) (mq.Message, bool, error) {
	m, ok := f.msgs[k]
	return m, ok, nil
}

var alicePhone = device.ID{AppID: 1, UserID: "alice", Type: device.Type(3), IMEI: "p1"}
