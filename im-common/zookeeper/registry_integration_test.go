//go:build integration

package zookeeper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/whaleim/whaleim/im-common/testwait"
)

func TestRegister_DataReadableExclusiveAndDeregistered(t *testing.T) {
	t.Parallel()
	log := testLogger(t)
	base := basePath(t, log)
	a := connect(t, log, zkAddr(), 5*time.Second)
	b := connect(t, log, zkAddr(), 5*time.Second)
	path := base + "/gateways/7"
	data := []byte(`{"addr":"127.0.0.1:19001","ws":"127.0.0.1:19002"}`)

	reg, err := a.Register(t.Context(), path, data)
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	runErr := make(chan error, 1)
	go func() { runErr <- reg.Run(t.Context()) }()
	if !reg.Ready() {
		t.Fatal("Ready() = false right after Register")
	}
	ms, err := b.Members(t.Context(), base+"/gateways")
	if err != nil || len(ms) != 1 || ms[0].Name != "7" || !bytes.Equal(ms[0].Data, data) {
		t.Fatalf("Members = %+v, %v; want [7 %s]", ms, err, data)
	}
	_, st, _ := b.conn.Get(path)
	if st.EphemeralOwner != a.SessionID() {
		t.Fatalf("ephemeralOwner %s, want a's session %s", hexID(st.EphemeralOwner), hexID(a.SessionID()))
	}

	_, err = b.Register(t.Context(), path, []byte(`{"addr":"other"}`))
	var ne *NodeExistsError
	if !errors.Is(err, ErrNodeExists) || !errors.As(err, &ne) || ne.Owner != a.SessionID() {
		t.Fatalf("second Register: %v, want ErrNodeExists owned by %s", err, hexID(a.SessionID()))
	}

	if err := reg.Deregister(t.Context()); err != nil {
		t.Fatalf("Deregister: %v", err)
	}
	if ok, _, _ := b.conn.Exists(path); ok {
		t.Fatal("node still exists after Deregister")
	}
	if reg.Ready() {
		t.Fatal("Ready() = true after Deregister")
	}
	select {
	case err := <-runErr:
		if err != nil {
			t.Fatalf("Run after Deregister returned %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after Deregister")
	}
	if ok, _, _ := b.conn.Exists(path); ok {
		t.Fatal("Run re-created the node after Deregister")
	}
}

func TestWatch_SeesJoinLeaveAndClose(t *testing.T) {
	t.Parallel()
	log := testLogger(t)
	base := basePath(t, log)
	w := connect(t, log, zkAddr(), 5*time.Second)
	a := connect(t, log, zkAddr(), 10*time.Second)
	b := connect(t, log, zkAddr(), 10*time.Second)
	gws := base + "/gateways"

	ch, err := w.Watch(t.Context(), gws) // the path does not exist yet
	if err != nil {
		t.Fatal(err)
	}
	awaitMembers(t, ch, 5*time.Second, "no members", exactly())

	regA, err := a.Register(t.Context(), gws+"/a", []byte(`{"n":"a"}`))
	if err != nil {
		t.Fatal(err)
	}
	got := awaitMembers(t, ch, 5*time.Second, "a joined", exactly("a"))
	if string(got[0].Data) != `{"n":"a"}` {
		t.Fatalf("member data %s", got[0].Data)
	}
	if _, err := b.Register(t.Context(), gws+"/b", []byte(`{"n":"b"}`)); err != nil {
		t.Fatal(err)
	}
	awaitMembers(t, ch, 5*time.Second, "b joined", exactly("a", "b"))

	if err := regA.Deregister(t.Context()); err != nil {
		t.Fatal(err)
	}
	awaitMembers(t, ch, 5*time.Second, "a left", exactly("b"))

	// Close ends b's session: the ephemeral node must go at once, far
	// sooner than b's 10 s session timeout.
	start := time.Now()
	b.Close()
	awaitMembers(t, ch, 3*time.Second, "b gone after Close", exactly())
	t.Logf("node of closed client gone from watch after %v", time.Since(start).Round(time.Millisecond))
}

func TestMembers_MissingPathIsEmpty(t *testing.T) {
	t.Parallel()
	log := testLogger(t)
	c := connect(t, log, zkAddr(), 5*time.Second)
	ms, err := c.Members(t.Context(), basePath(t, log)+"/nothing")
	if err != nil || len(ms) != 0 {
		t.Fatalf("Members = %v, %v; want empty", ms, err)
	}
}

func TestRegister_AdoptsNodeOfCurrentSession(t *testing.T) {
	t.Parallel()
	log := testLogger(t)
	base := basePath(t, log)
	c := connect(t, log, zkAddr(), 5*time.Second)
	path := base + "/gw"
	if err := c.ensureParents(t.Context(), path); err != nil {
		t.Fatal(err)
	}
	// As if an earlier create's reply was lost: our session already owns it.
	if _, err := c.conn.Create(path, []byte(`{"old":true}`), zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Register(t.Context(), path, []byte(`{"new":true}`)); err != nil {
		t.Fatalf("Register over own node: %v", err)
	}
	data, st, err := c.conn.Get(path)
	if err != nil || string(data) != `{"new":true}` || st.EphemeralOwner != c.SessionID() {
		t.Fatalf("node = %s owner %s, %v; want our data and session", data, hexID(st.EphemeralOwner), err)
	}
}

func TestRegister_ReplacesNodeOfOwnEarlierSession(t *testing.T) {
	t.Parallel()
	log := testLogger(t)
	base := basePath(t, log)
	c := connect(t, log, zkAddr(), 5*time.Second)
	other := connect(t, log, zkAddr(), 5*time.Second)
	path := base + "/gw"
	if _, err := other.Register(t.Context(), path, []byte(`{"old":true}`)); err != nil {
		t.Fatal(err)
	}
	// Pretend other's session was one of c's, now expired: c may replace it.
	c.markHeld(other.SessionID())
	if _, err := c.Register(t.Context(), path, []byte(`{"new":true}`)); err != nil {
		t.Fatalf("Register over node of own earlier session: %v", err)
	}
	data, st, _ := c.conn.Get(path)
	if string(data) != `{"new":true}` || st.EphemeralOwner != c.SessionID() {
		t.Fatalf("node = %s owner %s; want ours", data, hexID(st.EphemeralOwner))
	}
}

func TestRegistration_DoesNotStealLiveNode(t *testing.T) {
	t.Parallel()
	log := testLogger(t)
	base := basePath(t, log)
	a := connect(t, log, zkAddr(), 5*time.Second)
	b := connect(t, log, zkAddr(), 5*time.Second)
	path := base + "/gw"
	reg, err := a.Register(t.Context(), path, []byte(`{"by":"a"}`))
	if err != nil {
		t.Fatal(err)
	}
	runErr := make(chan error, 1)
	go func() { runErr <- reg.Run(t.Context()) }()

	// b swaps a's node for its own in one transaction, as a second process
	// with the same id would after a's node vanished. Run sees the change
	// and must give up rather than take the node back.
	_, err = b.conn.Multi(
		&zk.DeleteRequest{Path: path, Version: -1},
		&zk.CreateRequest{Path: path, Data: []byte(`{"by":"b"}`), Acl: zk.WorldACL(zk.PermAll), Flags: zk.FlagEphemeral})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-runErr:
		if !errors.Is(err, ErrNodeExists) {
			t.Fatalf("Run returned %v, want ErrNodeExists", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run kept going while another session holds the node")
	}
	data, st, err := b.conn.Get(path)
	if err != nil || string(data) != `{"by":"b"}` || st.EphemeralOwner != b.SessionID() {
		t.Fatalf("node = %s owner %s, %v; want b's", data, hexID(st.EphemeralOwner), err)
	}
	if reg.Ready() {
		t.Fatal("Ready() = true for a stolen registration")
	}
}

func TestConnect_FailsWhenUnreachable(t *testing.T) {
	t.Parallel()
	ln := startProxy(t, "127.0.0.1:1")
	ln.blackhole() // accepts and drops: no ZooKeeper answers
	ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
	defer cancel()
	c, err := Connect(ctx, []string{ln.addr()}, 2*time.Second, testLogger(t))
	if err == nil {
		c.Close()
		t.Fatal("Connect succeeded without a server")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Connect error %v, want deadline exceeded", err)
	}
}

func TestRegistration_RecreatedAfterSessionExpiry(t *testing.T) {
	t.Parallel()
	log := testLogger(t)
	base := basePath(t, log)
	obs := connect(t, log, zkAddr(), 10*time.Second)
	px := startProxy(t, zkAddr())
	c := connect(t, log, px.addr(), 2*time.Second) // the server's minimum is 1 s
	path := base + "/gw-1"
	data := []byte(`{"addr":"127.0.0.1:19001"}`)

	reg, err := c.Register(t.Context(), path, data)
	if err != nil {
		t.Fatal(err)
	}
	runErr := make(chan error, 1)
	go func() { runErr <- reg.Run(t.Context()) }()
	obsCh, _ := obs.Watch(t.Context(), base)
	ownCh, _ := c.Watch(t.Context(), base)
	awaitMembers(t, obsCh, 5*time.Second, "gw-1", exactly("gw-1"))
	awaitMembers(t, ownCh, 5*time.Second, "gw-1", exactly("gw-1"))
	oldSID := c.SessionID()

	cut := time.Now()
	px.blackhole()
	awaitMembers(t, obsCh, 20*time.Second, "gw-1 expired", exactly()) // server expired the session
	expiredAfter := time.Since(cut)
	if reg.Ready() {
		t.Fatal("Ready() = true while cut off from ZooKeeper")
	}
	// A member that joins while c is cut off must reach c's watch later.
	if _, err := obs.Register(t.Context(), base+"/gw-2", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}

	restored := time.Now()
	px.restore()
	testwait.Eventually(t, 20*time.Second, func() error {
		ok, st, err := obs.conn.Exists(path)
		switch {
		case err != nil || !ok:
			return fmt.Errorf("node missing (%v)", err)
		case st.EphemeralOwner == oldSID:
			return fmt.Errorf("node owned by the old session %s", hexID(oldSID))
		case st.EphemeralOwner != c.SessionID():
			return fmt.Errorf("owner %s, client session %s", hexID(st.EphemeralOwner), hexID(c.SessionID()))
		}
		return nil
	})
	recreatedAfter := time.Since(restored)
	got, _, err := obs.conn.Get(path)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("re-created data %s, %v; want %s", got, err, data)
	}
	awaitMembers(t, obsCh, 5*time.Second, "gw-1 back", exactly("gw-1", "gw-2"))
	awaitMembers(t, ownCh, 5*time.Second, "both after expiry", exactly("gw-1", "gw-2"))
	testwait.Eventually(t, 5*time.Second, func() error {
		if !reg.Ready() {
			return errors.New("Ready() = false")
		}
		return nil
	})
	select {
	case err := <-runErr:
		t.Fatalf("Run returned %v during expiry", err)
	default:
	}
	t.Logf("zk expiry: old session=%s new session=%s node gone %v after cut (server expiry, session timeout 2s), re-created %v after restore",
		hexID(oldSID), hexID(c.SessionID()), expiredAfter.Round(time.Millisecond), recreatedAfter.Round(time.Millisecond))
}
