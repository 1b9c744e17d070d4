package gateway

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-common/testwait"
)

// fakeSessions is an in-memory Sessions. Touch records its calls and
// answers with touchErr, or false when taken is set; else it writes the
// session, as the Redis one does.
type fakeSessions struct {
	mu       sync.Mutex
	m        map[string]map[string]session.Session
	touches  []session.Session
	touchErr error
	taken    bool
}

func (f *fakeSessions) Claim(_ context.Context, id device.ID, s session.Session, _ time.Duration) (map[string]session.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string]map[string]session.Session{}
	}
	k := session.Key(id.AppID, id.UserID)
	before := map[string]session.Session{}
	for fld, v := range f.m[k] {
		before[fld] = v
	}
	if f.m[k] == nil {
		f.m[k] = map[string]session.Session{}
	}
	f.m[k][id.Field()] = s
	return before, nil
}

func (f *fakeSessions) Touch(_ context.Context, id device.ID, s session.Session, _ time.Duration) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.touches = append(f.touches, s)
	if f.taken || f.touchErr != nil {
		return !f.taken, f.touchErr
	}
	k := session.Key(id.AppID, id.UserID)
	if f.m == nil {
		f.m = map[string]map[string]session.Session{}
	}
	if f.m[k] == nil {
		f.m[k] = map[string]session.Session{}
	}
	f.m[k][id.Field()] = s // a missing field is re-created
	return true, nil
}

// touched returns the sessions Touch was called with.
func (f *fakeSessions) touched() []session.Session {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]session.Session(nil), f.touches...)
}

func (f *fakeSessions) Remove(_ context.Context, id device.ID, s session.Session) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := session.Key(id.AppID, id.UserID)
	if cur, ok := f.m[k][id.Field()]; ok && cur.Broker == s.Broker && cur.LoginTime == s.LoginTime {
		delete(f.m[k], id.Field())
		return true, nil
	}
	return false, nil
}

func (f *fakeSessions) Indexed(_ context.Context, broker string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fields := range f.m {
		for _, s := range fields {
			if s.Broker == broker {
				return true, nil
			}
		}
	}
	return false, nil
}

// flush drops every session, as a Redis restarted empty does.
func (f *fakeSessions) flush() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m = nil
}

func (f *fakeSessions) Purge(_ context.Context, broker string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, fields := range f.m {
		for fld, s := range fields {
			if s.Broker == broker {
				delete(fields, fld)
				n++
			}
		}
	}
	return n, nil
}

// fakeUsers refuses the users it lists with their error; others may log in.
type fakeUsers map[string]error

func (f fakeUsers) CanLogin(_ context.Context, _ uint32, userID string) error { return f[userID] }

type fakeApps map[uint32]App

func (f fakeApps) App(_ context.Context, id uint32) (App, error) {
	if a, ok := f[id]; ok {
		return a, nil
	}
	return App{}, errcode.AppNotFound
}

// fakePublisher records publishes and fails with fail when set. With gate
// set, each publish first waits for a value from it (or its ctx).
type fakePublisher struct {
	mu   sync.Mutex
	got  []published
	fail error
	gate chan struct{}
}

type published struct {
	exchange, key string
	body          []byte
}

func (f *fakePublisher) Publish(ctx context.Context, exchange, key string, body []byte) error {
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.got = append(f.got, published{exchange, key, body})
	return nil
}

// setFail makes later publishes fail with err (nil: succeed).
func (f *fakePublisher) setFail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = err
}

// all returns the publishes so far.
func (f *fakePublisher) all() []published {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]published(nil), f.got...)
}

// uplinks decodes every published uplink, in publish order.
func (f *fakePublisher) uplinks(t *testing.T) []mq.Uplink {
	t.Helper()
	var out []mq.Uplink
	for _, p := range f.all() {
		ups, err := mq.DecodeUplinks(p.body)
		if err != nil {
			t.Fatalf("published %s: %v", p.body, err)
		}
		out = append(out, ups...)
	}
	return out
}

type nopSubscriber struct{}

func (nopSubscriber) Consume(ctx context.Context, _ string, _ func(context.Context, [][]byte) error) error {
	<-ctx.Done()
	return nil
}

type nopRegistry struct{}

func (nopRegistry) Register(context.Context, string, []byte) (Registration, error) {
	return nopReg{}, nil
}

type nopReg struct{}

func (nopReg) Run(ctx context.Context) error    { <-ctx.Done(); return nil }
func (nopReg) Ready() bool                      { return true }
func (nopReg) Deregister(context.Context) error { return nil }

// fakeTransport captures written frames; block makes writes hang.
type fakeTransport struct {
	mu     sync.Mutex
	frames []packet.Server
	block  chan struct{}
	closed chan struct{}
	once   sync.Once
}

func newFakeTransport() *fakeTransport { return &fakeTransport{closed: make(chan struct{})} }

func (t *fakeTransport) read() (packet.Client, error) {
	<-t.closed
	return packet.Client{}, context.Canceled
}

func (t *fakeTransport) write(frames [][]byte, _ time.Time) error {
	if t.block != nil {
		select {
		case <-t.block:
		case <-t.closed:
			return context.Canceled
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, f := range frames {
		p, err := packet.ParseServer(f, packet.Limits{})
		if err != nil {
			return err
		}
		t.frames = append(t.frames, p)
	}
	return nil
}

func (t *fakeTransport) close() error { t.once.Do(func() { close(t.closed) }); return nil }
func (t *fakeTransport) kind() string { return "fake" }

func (t *fakeTransport) isClosed() bool {
	select {
	case <-t.closed:
		return true
	default:
		return false
	}
}

// written returns the frames written so far.
func (t *fakeTransport) written() []packet.Server {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]packet.Server(nil), t.frames...)
}

// testGateway builds a gateway on fakes with app 7 (secret "s", policy p).
func testGateway(t testing.TB, p device.Policy) (*Gateway, *fakePublisher, *fakeSessions) {
	t.Helper()
	cfg := DefaultConfig("b1")
	cfg.TCPAddr, cfg.WSAddr, cfg.HTTPAddr = "127.0.0.1:0", "", ""
	cfg.WriteQueue = 8
	pub, ss := &fakePublisher{}, &fakeSessions{}
	g, err := New(cfg, Deps{Sessions: ss, Apps: fakeApps{7: {Secret: []byte("s"), Policy: p}}, Users: fakeUsers{},
		Publisher: pub, Subscriber: nopSubscriber{}, Registry: nopRegistry{}})
	if err != nil {
		t.Fatal(err)
	}
	return g, pub, ss
}

// lastData decodes the data of the last frame written with cmd.
func lastData(t *testing.T, tr *fakeTransport, cmd command.Code) map[string]any {
	t.Helper()
	var out map[string]any
	testwait.Until(t, 5*time.Second, "frame "+cmd.String(), func() bool {
		for _, f := range tr.written() {
			if f.Command == cmd {
				var env struct{ Data map[string]any }
				if err := json.Unmarshal(f.Body, &env); err != nil {
					t.Fatal(err)
				}
				out = env.Data
			}
		}
		return out != nil
	})

	return out
}

// countingPublisher confirms every publish at once and counts them.
type countingPublisher struct{ n atomic.Int64 }

func (p *countingPublisher) Publish(context.Context, string, string, []byte) error {
	p.n.Add(1)
	return nil
}
