package whaleim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-sdk/go/conformance/scriptgw"
	"github.com/whaleim/whaleim/im-sdk/go/whaleim"
)

const scenarioDir = "../../conformance/scenarios"

// TestConformance runs every scenario of the shared suite over WebSocket
// and TCP and compares the event log with the expected one.
func TestConformance(t *testing.T) {
	scs, err := scriptgw.LoadDir(scenarioDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scs {
		for _, tr := range []whaleim.Transport{whaleim.WebSocket, whaleim.TCP} {
			name := sc.Name + map[whaleim.Transport]string{whaleim.WebSocket: "/ws", whaleim.TCP: "/tcp"}[tr]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				runScenario(t, sc, tr)
			})
		}
	}
}

// runner drives one SDK instance (or several, across restarts) through a
// scenario and records its events.
type runner struct {
	t     *testing.T
	sc    *scriptgw.Scenario
	cfg   whaleim.Config
	mu    sync.Mutex
	log   []map[string]any
	refs  map[string]string // messageId -> ref
	sdk   *whaleim.Client
	feeds sync.WaitGroup
}

func runScenario(t *testing.T, sc *scriptgw.Scenario, tr whaleim.Transport) {
	g, err := scriptgw.Start(sc)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	r := &runner{t: t, sc: sc, refs: map[string]string{}}
	var store whaleim.Store = whaleim.NewMemoryStore()
	if tr == whaleim.TCP { // the file store under every scenario too, restarts included
		fs, err := whaleim.OpenFileStore(filepath.Join(t.TempDir(), "store.json"))
		if err != nil {
			t.Fatal(err)
		}
		store = fs
	}
	r.cfg = whaleim.Config{RESTURLs: []string{g.RESTURL()}, AppID: scriptgw.AppID, UserID: sc.User, Transport: tr,
		Sign:  func(context.Context, string) (string, error) { return "conformance-sign", nil },
		Store: store, AckTimeout: ms(sc.Client.AckTimeoutMS), Heartbeat: ms(sc.Client.HeartbeatMS),
		BackoffMin: ms(sc.Client.BackoffMinMS), BackoffMax: ms(sc.Client.BackoffMaxMS),
		SendRetryMin: ms(sc.Client.SendRetryMinMS), PullLimit: sc.Client.PullLimit, HoleRetries: sc.Client.HoleRetries}
	r.open()
	for done := false; !done; {
		select {
		case a := <-g.Actions():
			r.act(a)
		case <-g.Done():
			done = true
		case <-time.After(30 * time.Second):
			t.Fatal("the scenario did not finish")
		}
	}
	for len(g.Actions()) > 0 {
		r.act(<-g.Actions())
	}
	_ = testwait.Poll(10*time.Second, func() error {
		if n := r.len(sc.RecordSet()); n < len(sc.Events)-1 {
			return fmt.Errorf("%d events", n)
		}
		return nil
	})
	r.sdk.Close()
	r.feeds.Wait()
	for _, v := range g.Violations() {
		t.Errorf("violation: %s", v)
	}
	if err := compare(sc.Events, r.translated(), sc.RecordSet()); err != nil {
		t.Errorf("%v\nexpected: %s\nactual:   %s", err, dump(sc.Events), dump(r.translated()))
	}
}

func (r *runner) open() {
	sdk, err := whaleim.New(r.cfg)
	if err != nil {
		r.t.Fatal(err)
	}
	r.sdk = sdk
	r.feeds.Add(1)
	go func() {
		defer r.feeds.Done()
		for ev := range sdk.Events() {
			raw, err := json.Marshal(ev)
			if err != nil {
				r.t.Errorf("marshal %T: %v", ev, err)
				continue
			}
			var m map[string]any
			_ = json.Unmarshal(raw, &m)
			r.mu.Lock()
			r.log = append(r.log, m)
			r.mu.Unlock()
		}
	}()
	sdk.Start()
}

// len counts the recorded events so far.
func (r *runner) len(record []string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.log {
		if slices.Contains(record, fmt.Sprint(e["type"])) {
			n++
		}
	}
	return n
}

type action struct {
	Do           string `json:"do"`
	Ref          string `json:"ref"`
	To           string `json:"to"`
	Group        string `json:"group"`
	Body         string `json:"body"`
	Conversation string `json:"conversation"`
	Seq          int64  `json:"seq"`
}

func (r *runner) act(raw json.RawMessage) {
	var a action
	if err := json.Unmarshal(raw, &a); err != nil {
		r.t.Fatalf("action %s: %v", raw, err)
	}
	switch a.Do {
	case "send":
		id, err := r.sdk.Send(context.Background(), whaleim.Outgoing{To: a.To, Group: a.Group, Body: a.Body})
		if err != nil {
			r.t.Fatalf("send: %v", err)
		}
		r.mu.Lock()
		r.refs[id] = a.Ref
		r.mu.Unlock()
	case "read":
		if err := r.sdk.Read(a.Conversation, a.Seq); err != nil {
			r.t.Errorf("read: %v", err)
		}
	case "restart":
		r.sdk.Close()
		r.feeds.Wait()
		r.open()
	default:
		r.t.Fatalf("unknown action %q", a.Do)
	}
}

// translated is the log with messageIds of our sends replaced by refs.
func (r *runner) translated() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]map[string]any, 0, len(r.log))
	for _, e := range r.log {
		c := map[string]any{}
		for k, v := range e {
			c[k] = v
		}
		if c["type"] == "message_state" {
			c["ref"] = r.refs[fmt.Sprint(c["id"])]
			delete(c, "id")
		}
		out = append(out, c)
	}
	return out
}

// streamOf groups events whose relative order the suite pins.
func streamOf(e map[string]any) string {
	switch e["type"] {
	case "message_state":
		return "ref:" + fmt.Sprint(e["ref"])
	case "message", "delivered", "read_receipt", "read", "recalled":
		return "conv:" + fmt.Sprint(e["conversation"])
	}
	return "connection"
}

// compare checks that actual holds exactly the expected events (of the
// recorded types) and in the expected order within every stream.
func compare(expected []scriptgw.Event, actual []map[string]any, record []string) error {
	want := map[string][]any{}
	for _, e := range expected {
		m := normalize(map[string]any(e))
		want[streamOf(m)] = append(want[streamOf(m)], m)
	}
	got := map[string][]any{}
	for _, e := range actual {
		if !slices.Contains(record, fmt.Sprint(e["type"])) {
			continue
		}
		m := normalize(e)
		got[streamOf(m)] = append(got[streamOf(m)], m)
	}
	if !reflect.DeepEqual(want, got) {
		for k := range merge(want, got) {
			if !reflect.DeepEqual(want[k], got[k]) {
				return fmt.Errorf("stream %s differs:\n want %s\n got  %s", k, dump(want[k]), dump(got[k]))
			}
		}
	}
	return nil
}

func merge(a, b map[string][]any) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// normalize round-trips through JSON so numbers compare alike.
func normalize(m map[string]any) map[string]any {
	raw, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

func dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
