package message

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
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
	"github.com/whaleim/whaleim/im-domain/internal/user"
)

// world is a set of fakes sharing one ordered event log.
type world struct {
	mu      sync.Mutex
	log     []string
	stored  []mq.StoreRecord
	acks    []payload.MessageAck
	pushes  []mq.Push
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
	// storeBatches counts store publishes; pushBatches lists the gateway
	// of every push publish.
	storeBatches int
	pushBatches  []string
	read         map[string]int64 // "owner|conversation" -> conversation read position
	// asked lists every presence lookup; presenceFails fails that many first.
	asked         [][]string
	presenceFails int
}

func newWorld() *world {
	return &world{dedup: map[string]Entry{}, seq: map[string]int64{}, read: map[string]int64{},
		users: map[string]user.User{"alice": {ID: "alice"}, "bob": {ID: "bob"}, "carol": {ID: "carol"}},
		rel:   Relation{Friends: true},
		online: map[string][]session.Session{"alice": {{Broker: "gw1", ClientType: 3, IMEI: "p1"}},
			"bob": {{Broker: "gw2", ClientType: 3, IMEI: "p2"}}, "carol": {{Broker: "gw3", ClientType: 3, IMEI: "p3"}}},
		app: app.App{ID: 1, Settings: app.DefaultSettings()}}
}

func (w *world) note(s string) { w.mu.Lock(); w.log = append(w.log, s); w.mu.Unlock() }

func (w *world) service(t testing.TB) *Service {
	t.Helper()
	return NewService(Deps{Apps: (*fakeApps)(w), Users: (*fakeUsers)(w), Friends: (*fakeFriends)(w),
		Groups: (*fakeGroups)(w), Dedup: (*fakeDedup)(w), Seqs: (*fakeSeqs)(w), Keys: NewKeys((*fakeKeys)(w), 10),
		Store: &fakeStore{}, StorePub: (*storePub)(w), Pushes: (*pushPub)(w),
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

func dk(k SenderKey) string { return fmt.Sprint(k.AppID, k.FromID, k.MessageID) }

func (f *fakeDedup) ClaimAll(_ context.Context, keys []SenderKey, e Entry) ([]Claim, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Claim, len(keys))
	for i, k := range keys {
		if old, ok := f.dedup[dk(k)]; ok {
			out[i] = Claim{Entry: old, Found: true}
			continue
		}
		f.dedup[dk(k)] = e
		f.log = append(f.log, "claim")
		out[i] = Claim{Entry: e, Won: true, Found: true}
	}
	return out, nil
}
func (f *fakeDedup) Get(_ context.Context, k SenderKey) (Entry, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.dedup[dk(k)]
	return e, ok, nil
}
func (f *fakeDedup) SaveAll(_ context.Context, keys []SenderKey, es []Entry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, k := range keys {
		f.dedup[dk(k)] = es[i]
	}
	f.log = append(f.log, "dedup:"+string(es[0].State))
	return nil
}
func (f *fakeDedup) ReleaseAll(_ context.Context, keys []SenderKey) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range keys {
		delete(f.dedup, dk(k))
	}
	f.log = append(f.log, "release")
	return nil
}

type fakeSeqs world

func (f *fakeSeqs) NextAll(_ context.Context, reqs []SeqRequest) ([]int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]int64, len(reqs))
	for i, r := range reqs {
		out[i] = f.seq[r.Conversation] + 1
		f.seq[r.Conversation] += r.N
	}
	return out, nil
}

func (f *fakeSeqs) Current(_ context.Context, _ uint32, convs []string) (map[string]int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int64{}
	for _, c := range convs {
		out[c] = f.seq[c]
	}
	return out, nil
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
	rs, err := mq.DecodeStoreRecords(body)
	if err != nil || ex != mq.ExchangeStore {
		return fmt.Errorf("bad store publish %s: %v", ex, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stored = append(f.stored, rs...)
	f.storeBatches++
	f.log = append(f.log, "store:"+string(rs[0].Op))
	return nil
}

type pushPub world

func (f *pushPub) Publish(_ context.Context, _, gw string, body []byte) error {
	ps, err := mq.DecodePushes(body)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pushBatches = append(f.pushBatches, gw)
	for _, p := range ps {
		f.pushes = append(f.pushes, p)
		if p.Command == command.MessageAck || p.Command == command.GroupMessageAck || p.Command == command.MessageRecallAck || p.Command == command.MessageEditAck {
			var a payload.MessageAck
			_ = json.Unmarshal(p.Data, &a)
			f.acks = append(f.acks, a)
		}
		f.log = append(f.log, fmt.Sprint("push:", int(p.Command)))
	}
	return nil
}

type fakePresence world

func (f *fakePresence) Online(_ context.Context, _ uint32, ids []string) (map[string][]session.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, slices.Sorted(slices.Values(ids)))
	if f.presenceFails > 0 {
		f.presenceFails--
		return nil, errors.New("presence down")
	}
	out := map[string][]session.Session{}
	for _, u := range ids {
		if ss, ok := f.online[u]; ok {
			out[u] = ss
		}
	}
	return out, nil
}

// pushed lists the users whose devices got a push of cmd.
func pushed(w *world, cmd command.Code) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var to []string
	for _, p := range w.pushes {
		if p.Command == cmd {
			for _, d := range p.To {
				to = append(to, d.UserID)
			}
		}
	}
	return to
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

func (f *fakeRecent) RememberAll(_ context.Context, ms []mq.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recent = append(f.recent, ms...)
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
	hidden  map[string]bool  // "user|conversation|seq"
	cleared map[string]int64 // "user|conversation"
}

func (f *fakeStore) Hide(_ context.Context, _ uint32, user, conv string, seqs []int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hidden == nil {
		f.hidden = map[string]bool{}
	}
	for _, q := range seqs {
		f.hidden[fmt.Sprint(user, "|", conv, "|", q)] = true
	}
	return nil
}
func (f *fakeStore) Hidden(_ context.Context, _ uint32, user, conv string, from, to int64) (map[int64]bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[int64]bool{}
	for q := from; q <= to; q++ {
		if f.hidden[fmt.Sprint(user, "|", conv, "|", q)] {
			out[q] = true
		}
	}
	return out, nil
}

func (f *fakeStore) StoredAll(context.Context, []SenderKey) (map[SenderKey]mq.Message, error) {
	return nil, nil
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
func (f *fakeStore) Forward(_ context.Context, _ uint32, user, conv string, c Cursor, seq int64) error {
	if c != CursorCleared {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cleared == nil {
		f.cleared = map[string]int64{}
	}
	f.cleared[user+"|"+conv] = max(f.cleared[user+"|"+conv], seq)
	return nil
}
func (f *fakeStore) BySeq(_ context.Context, _ uint32, conv string, seq int64) (mq.Message, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.msgs {
		if m.ConversationID == conv && m.Seq == seq {
			return m, true, nil
		}
	}
	return mq.Message{}, false, nil
}
func (f *fakeStore) ByKey(_ context.Context, _ uint32, k int64) (mq.Message, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.msgs[k]
	return m, ok, nil
}
func (f *fakeStore) write(m mq.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.msgs == nil {
		f.msgs = map[int64]mq.Message{}
	}
	f.msgs[m.MessageKey] = m
}
func (f *fakeStore) MaxSeqs(_ context.Context, _ uint32, convs []string) (map[string]int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int64{}
	for _, m := range f.msgs {
		if slices.Contains(convs, m.ConversationID) {
			out[m.ConversationID] = max(out[m.ConversationID], m.Seq)
		}
	}
	return out, nil
}
func (f *fakeStore) Range(_ context.Context, _ uint32, conv string, after, upto int64, _ int) ([]mq.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []mq.Message
	for _, m := range f.msgs {
		if m.ConversationID == conv && m.Seq > after && m.Seq <= upto {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b mq.Message) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, nil
}
func (f *fakeStore) Cursors(_ context.Context, _ uint32, user string) ([]UserConversation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []UserConversation
	for k, seq := range f.cleared {
		if u, conv, _ := strings.Cut(k, "|"); u == user {
			out = append(out, UserConversation{Conversation: conv, ClearedSeq: seq})
		}
	}
	return out, nil
}

var alicePhone = device.ID{AppID: 1, UserID: "alice", Type: device.Type(3), IMEI: "p1"}
