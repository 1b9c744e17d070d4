//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-common/usersign"
	"github.com/whaleim/whaleim/im-sdk/go/whaleim"
)

// sdkUser is one user's whaleim SDK, across app restarts, whose events
// are recorded.
type sdkUser struct {
	*whaleim.Client
	cfg    whaleim.Config
	done   chan struct{} // closed when the current client's events are drained
	mu     sync.Mutex
	recv   []whaleim.Message
	states map[string]whaleim.MessageStateChanged // messageId -> final or latest state
	conn   []whaleim.State
	reads  []whaleim.ReadReceipt
	all    []whaleim.Event // every event, in order (chatfeatures_test.go)
}

// startSDK logs user in through the REST login route with the whaleim SDK,
// keeping its state in store.
func startSDK(t *testing.T, user string, tr whaleim.Transport, store whaleim.Store) *sdkUser {
	t.Helper()
	return startSDKOn(t, user, tr, store, device.Web)
}

// startSDKOn is startSDK as a device of type typ (the multi-device policy
// lets one web and one mobile device of a user stay online together).
func startSDKOn(t *testing.T, user string, tr whaleim.Transport, store whaleim.Store, typ device.Type) *sdkUser {
	t.Helper()
	u := &sdkUser{states: map[string]whaleim.MessageStateChanged{}, cfg: whaleim.Config{
		RESTURLs: []string{cl.domainURL}, AppID: cl.appID, UserID: user, Transport: tr, IMEI: "sdk-" + randHex(3), Store: store, Device: typ,
		Sign: func(_ context.Context, id string) (string, error) {
			return usersign.Generate([]byte(cl.secret), cl.appID, id, time.Now(), time.Hour)
		},
		AckTimeout: 3 * time.Second, Heartbeat: 5 * time.Second, BackoffMin: 100 * time.Millisecond, BackoffMax: time.Second}}
	u.open(t)
	t.Cleanup(func() { u.Close(); <-u.done })
	return u
}

// open starts a client on the user's config and waits until it is connected.
func (u *sdkUser) open(t *testing.T) {
	t.Helper()
	c, err := whaleim.New(u.cfg)
	if err != nil {
		t.Fatal(err)
	}
	u.Client, u.done = c, make(chan struct{})
	done := u.done
	go func() {
		defer close(done)
		for ev := range c.Events() {
			u.record(ev)
		}
	}()
	c.Start()
	testwait.Until(t, 15*time.Second, u.cfg.UserID+" connected", func() bool { return c.State() == whaleim.Connected })
}

// restart closes the client and opens a new one on the same store, as an
// app restart does.
func (u *sdkUser) restart(t *testing.T) {
	t.Helper()
	u.Close()
	<-u.done
	u.open(t)
}

func (u *sdkUser) record(ev whaleim.Event) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.all = append(u.all, ev)
	switch e := ev.(type) {
	case whaleim.MessageReceived:
		u.recv = append(u.recv, e.Message)
	case whaleim.MessageStateChanged:
		u.states[e.MessageID] = e
	case whaleim.StateChanged:
		u.conn = append(u.conn, e.State)
	case whaleim.ReadReceipt:
		u.reads = append(u.reads, e)
	}
}

// waitConnected waits until u's client is connected.
func (u *sdkUser) waitConnected(t *testing.T) {
	t.Helper()
	testwait.Until(t, 30*time.Second, u.cfg.UserID+" connected", func() bool { return u.State() == whaleim.Connected })
}

// counts returns how many sends are sent, failed, and messages received.
func (u *sdkUser) counts() (sent, failed, received int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, s := range u.states {
		switch s.State {
		case whaleim.Sent:
			sent++
		case whaleim.Failed:
			failed++
		}
	}
	return sent, failed, len(u.recv)
}

// restartGateways kills both gateways (SIGKILL) and starts them again.
func restartGateways(t *testing.T) {
	t.Helper()
	cl.procs["gateway1"].Kill()
	cl.procs["gateway2"].Kill()
	for i := range 2 {
		if err := cl.startGateway(i); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSDKExactlyOnceAcrossGatewayRestarts: 1,000 messages (1:1 and group)
// sent with the SDK while both gateways are killed and restarted twice,
// and the receiver's app restarts once on its file store, arrive exactly
// once and in order on the receiver's SDK, and every send ends sent.
func TestSDKExactlyOnceAcrossGatewayRestarts(t *testing.T) {
	distributedOnly(t, "kills and restarts the gateway processes")
	u := newUsers(t, "sdk", 3)
	group := createGroup(t, u[0], u[1:])
	store, err := whaleim.OpenFileStore(filepath.Join(t.TempDir(), "receiver.json"))
	if err != nil {
		t.Fatal(err)
	}
	sender := startSDK(t, u[0], whaleim.TCP, whaleim.NewMemoryStore())
	receiver := startSDK(t, u[1], whaleim.WebSocket, store)
	const n, window = 1000, 50
	ids := make([]string, n)
	go func() {
		for i := range n {
			for sender.Pending() >= window { // flow control, not a wait for a condition under test
				time.Sleep(5 * time.Millisecond)
			}
			m := whaleim.Outgoing{To: u[1], Body: fmt.Sprintf("m-%04d", i)}
			if i%4 == 0 {
				m = whaleim.Outgoing{Group: group, Body: fmt.Sprintf("m-%04d", i)}
			}
			id, err := sender.Send(context.Background(), m)
			if err != nil {
				t.Errorf("send %d: %v", i, err)
				return
			}
			sender.mu.Lock()
			ids[i] = id
			sender.mu.Unlock()
		}
	}()
	for _, at := range []int{300, 450, 650} {
		testwait.Until(t, 60*time.Second, fmt.Sprint(at, " received"), func() bool { _, _, r := receiver.counts(); return r >= at })
		if at == 450 {
			receiver.restart(t)
			t.Logf("the receiver's app restarted on its file store after %d messages received", at)
			continue
		}
		restartGateways(t)
		t.Logf("both gateways killed and restarted after %d messages received", at)
	}
	testwait.Eventually(t, 120*time.Second, func() error {
		sent, failed, _ := sender.counts()
		_, _, received := receiver.counts()
		if sent+failed < n || received < n {
			return fmt.Errorf("%d sent, %d failed, %d received of %d", sent, failed, received, n)
		}
		return nil
	})
	checkExactlyOnce(t, sender, receiver, ids)
	// Every message may have arrived before the clients noticed the last
	// kill: a read mark needs the receiver's connection back, and its
	// receipt (a notification, not synced) the sender's.
	receiver.waitConnected(t)
	sender.waitConnected(t)
	checkGroupRead(t, sender, receiver, group)
}

// checkGroupRead: the receiver marks the group read; the sender gets the
// group read receipt and counts "read by 1 of 2" at that seq (the members
// other than the sender).
func checkGroupRead(t *testing.T, sender, receiver *sdkUser, group string) {
	conv := whaleim.GroupConversation(group)
	var last int64
	for _, cv := range receiver.Conversations() {
		if cv.ID == conv {
			last = cv.Last.Seq
		}
	}
	// The receipt is a push, best effort like every push and not synced;
	// right after both gateways' restart about one run in five lost it
	// (cause not found yet: noted in the closing note of issue 11), so the
	// idempotent read mark is repeated until one arrives. The durable part
	// is the count checked below.
	var marked time.Time
	testwait.Until(t, 20*time.Second, "the group read receipt", func() bool {
		if time.Since(marked) > 2*time.Second {
			if err := receiver.Read(conv, last); err != nil {
				t.Logf("read mark: %v", err)
			}
			marked = time.Now()
		}
		sender.mu.Lock()
		defer sender.mu.Unlock()
		for _, r := range sender.reads {
			if r.Conversation == conv && r.Seq == last {
				return true
			}
		}
		return false
	})
	read, members, err := sender.GroupReadCount(context.Background(), group, last)
	if err != nil || read != 1 || members != 2 {
		t.Errorf("group read count at #%d: %d of %d, %v; want 1 of 2", last, read, members, err)
	}
}

// checkExactlyOnce compares the receiver's log with the sender's outcomes.
func checkExactlyOnce(t *testing.T, sender, receiver *sdkUser, ids []string) {
	sender.mu.Lock()
	defer sender.mu.Unlock()
	receiver.mu.Lock()
	defer receiver.mu.Unlock()
	seen := map[string]bool{}
	lastSeq := map[string]int64{}
	for _, m := range receiver.recv {
		if seen[m.ID] {
			t.Errorf("message %s (%s) received twice", m.ID, m.Body)
		}
		seen[m.ID] = true
		if m.Seq <= lastSeq[m.Conversation] {
			t.Errorf("%s: seq %d after %d", m.Conversation, m.Seq, lastSeq[m.Conversation])
		}
		lastSeq[m.Conversation] = m.Seq
		if s := sender.states[m.ID]; s.State != whaleim.Sent || s.Seq != m.Seq || s.Conversation != m.Conversation {
			t.Errorf("received %s at %s #%d, the sender has %+v", m.Body, m.Conversation, m.Seq, s)
		}
	}
	for i, id := range ids {
		if s := sender.states[id]; s.State != whaleim.Sent {
			t.Errorf("send %d ended %+v, want sent", i, s)
		}
		if !seen[id] {
			t.Errorf("send %d (%s) never received", i, id)
		}
	}
	t.Logf("%d messages exactly once in order; receiver states %v", len(receiver.recv), receiver.conn)
}
