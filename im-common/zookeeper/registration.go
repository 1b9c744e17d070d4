package zookeeper

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/go-zookeeper/zk"
)

// ErrNodeExists means the registration path is held by another live
// session: another process already registered this id (for a gateway, its
// brokerId is taken). Match it with errors.Is; errors.As with
// *NodeExistsError gives the owner.
var ErrNodeExists = errors.New("zookeeper: node held by another session")

// errDeregistered stops a claim that races with Deregister.
var errDeregistered = errors.New("zookeeper: deregistered")

// NodeExistsError is the detailed form of ErrNodeExists.
type NodeExistsError struct {
	Path string
	// Owner is the session id holding the node, 0 for a persistent node.
	Owner int64
}

// Error implements error.
func (e *NodeExistsError) Error() string {
	return fmt.Sprintf("zookeeper: %s is held by session %s", e.Path, hexID(e.Owner))
}

// Is makes errors.Is(err, ErrNodeExists) true.
func (e *NodeExistsError) Is(target error) bool {
	return target == ErrNodeExists
}

// Registration is one ephemeral node this process keeps alive: created by
// Register, re-created by Run after the session expires, deleted by
// Deregister.
type Registration struct {
	c    *Client
	path string
	data []byte

	// mu serialises claim and Deregister, so no claim can create the node
	// again after Deregister deleted it.
	mu           sync.Mutex
	deregistered bool
	stop         chan struct{}
	stopOnce     sync.Once

	owner atomic.Int64 // session confirmed to own the node now, 0 if unknown
	last  atomic.Int64 // last session that owned it, kept for the re-create log

	// dead, when set, decides from a foreign node's data whether its
	// holder is gone (see TakeOver).
	dead func(ctx context.Context, data []byte) bool
}

// RegisterOption adjusts Register.
type RegisterOption func(*Registration)

// TakeOver lets a registration replace a node that another live session
// holds when dead, given that node's data, reports its holder gone. A
// process restarted at once after kill -9 finds its node still held by the
// dead process's session, which ZooKeeper keeps until the session timeout;
// the caller knows better (for a gateway: nothing serves at the address the
// node advertises). When dead reports false, or the node is held again
// right after the takeover, Register fails with ErrNodeExists as without
// the option.
func TakeOver(dead func(ctx context.Context, data []byte) bool) RegisterOption {
	return func(r *Registration) { r.dead = dead }
}

// Register creates the persistent parents of path and an ephemeral node at
// path holding data, which must be JSON. It fails with ErrNodeExists when
// another live session holds path. A node left by this client's own earlier
// (expired) session, or already owned by the current one, is taken over.
// Call Run to keep the node through session expiry.
//
// A process that crashed leaves its node until its session times out; a
// restarted process that wants the same path either retries Register for
// longer than the session timeout or proves the holder dead (TakeOver).
func (c *Client) Register(ctx context.Context, path string, data []byte, opts ...RegisterOption) (*Registration, error) {
	if err := checkPath(path, false); err != nil {
		return nil, err
	}
	if !json.Valid(data) {
		return nil, fmt.Errorf("zookeeper register %s: data is not JSON", path)
	}
	r := &Registration{c: c, path: path, data: bytes.Clone(data), stop: make(chan struct{})}
	for _, o := range opts {
		o(r)
	}
	if _, err := r.hold(ctx); err != nil {
		return nil, fmt.Errorf("zookeeper register %s: %w", path, err)
	}
	return r, nil
}

// Path returns the registered node's path.
func (r *Registration) Path() string { return r.path }

// Ready reports whether the node is known to exist under the client's
// current, connected session. It is false while disconnected, after expiry
// until Run re-creates the node, and after Deregister.
func (r *Registration) Ready() bool {
	sid := r.owner.Load()
	return sid != 0 && sid == r.c.conn.SessionID() && r.c.Connected()
}

// Run keeps the node registered until ctx ends or Deregister is called
// (both return nil). It watches the node and re-creates it whenever it
// disappears while we are registered, notably when the session expired and
// the library moved to a new session. Connection loss and expiry are
// retried. It returns an ErrNodeExists error if another session took the
// path meanwhile (the id is no longer ours), ErrClosed if the client was
// closed, and any other ZooKeeper error (ACLs, a bad parent) as is.
func (r *Registration) Run(ctx context.Context) error {
	b := newBackoff()
	for {
		watch, err := r.hold(ctx)
		switch {
		case errors.Is(err, errDeregistered) || ctx.Err() != nil:
			return nil
		case err != nil && !transient(err):
			return fmt.Errorf("zookeeper registration %s: %w", r.path, err)
		case err != nil:
			r.c.log.Debug("zookeeper registration not held; retrying", "path", r.path, "err", err)
			if !r.c.pause(ctx, r.stop, b.next()) {
				return r.exit(ctx)
			}
			continue
		}
		b.reset()
		select {
		case ev := <-watch:
			r.c.log.Debug("zookeeper registration event", "path", r.path, "type", ev.Type, "err", ev.Err)
		case <-ctx.Done():
			return nil
		case <-r.stop:
			return nil
		case <-r.c.closed:
			return ErrClosed
		}
	}
}

// exit is Run's result once a wait was cut short.
func (r *Registration) exit(ctx context.Context) error {
	select {
	case <-r.c.closed:
		if ctx.Err() == nil {
			return ErrClosed
		}
	default:
	}
	return nil
}

// hold makes sure the node exists under the current session and returns a
// watch that fires when that may no longer be true.
func (r *Registration) hold(ctx context.Context) (<-chan zk.Event, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ok, st, watch, err := r.c.conn.ExistsW(r.path)
		if err != nil {
			r.owner.Store(0)
			return nil, fmt.Errorf("exists %s: %w", r.path, err)
		}
		if ok && st.EphemeralOwner != 0 && st.EphemeralOwner == r.c.conn.SessionID() {
			if r.owner.Load() == st.EphemeralOwner {
				return watch, nil
			}
			// First sight under this session: the node may be one we did
			// not write (adopted), so make its data ours before confirming.
			if err := r.syncData(); err != nil {
				if errors.Is(err, zk.ErrNoNode) || errors.Is(err, zk.ErrBadVersion) {
					continue
				}
				return nil, err
			}
			r.confirm(st.EphemeralOwner)
			return watch, nil
		}
		r.owner.Store(0)
		if err := r.claim(ctx); err != nil {
			return nil, err
		}
	}
}

// confirm records that session sid owns the node.
func (r *Registration) confirm(sid int64) {
	r.c.markHeld(sid)
	r.owner.Store(sid)
	if prev := r.last.Swap(sid); prev != 0 && prev != sid {
		r.c.log.Info("zookeeper registration re-created under a new session",
			"path", r.path, "old_session", hexID(prev), "new_session", hexID(sid))
	}
}

// claim creates the node, replacing it only if one of our own expired
// sessions still owns it and adopting it if the current session does.
func (r *Registration) claim(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.deregistered {
		return errDeregistered
	}
	if err := r.c.ensureParents(ctx, r.path); err != nil {
		return err
	}
	tookOver := false
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, err := r.c.conn.Create(r.path, r.data, zk.FlagEphemeral, zk.WorldACL(zk.PermAll))
		if !errors.Is(err, zk.ErrNodeExists) {
			if err != nil {
				return fmt.Errorf("create %s: %w", r.path, err)
			}
			return nil // hold reads the owner back
		}
		done, err := r.resolveExisting(ctx, !tookOver)
		if done || err != nil {
			return err
		}
		tookOver = tookOver || r.dead != nil
	}
}

// resolveExisting handles a create that found the node already there.
// It returns done=true when the node is now ours, or false to retry create.
// mayTakeOver allows replacing a foreign node whose holder r.dead declares
// gone.
func (r *Registration) resolveExisting(ctx context.Context, mayTakeOver bool) (done bool, err error) {
	ok, st, err := r.c.conn.Exists(r.path)
	switch {
	case err != nil:
		return false, fmt.Errorf("exists %s: %w", r.path, err)
	case !ok:
		return false, nil // gone meanwhile
	case st.EphemeralOwner != 0 && st.EphemeralOwner == r.c.conn.SessionID():
		return true, nil // ours already; hold syncs the data
	case r.c.heldBefore(st.EphemeralOwner):
		return false, r.deleteStale(st.Version)
	case mayTakeOver && r.dead != nil && st.EphemeralOwner != 0 && r.holderDead(ctx):
		r.c.log.Warn("zookeeper node held by a dead process's session; taking it over",
			"path", r.path, "session", hexID(st.EphemeralOwner))
		return false, r.deleteStale(st.Version)
	default:
		return false, &NodeExistsError{Path: r.path, Owner: st.EphemeralOwner}
	}
}

// holderDead asks r.dead about the node's current data.
func (r *Registration) holderDead(ctx context.Context) bool {
	data, _, err := r.c.conn.Get(r.path)
	return err == nil && r.dead(ctx, data)
}

// deleteStale deletes the node at version; a node gone or changed
// meanwhile is left to the next create attempt.
func (r *Registration) deleteStale(version int32) error {
	err := r.c.conn.Delete(r.path, version)
	if err != nil && !errors.Is(err, zk.ErrNoNode) && !errors.Is(err, zk.ErrBadVersion) {
		return fmt.Errorf("delete stale %s: %w", r.path, err)
	}
	return nil
}

// syncData overwrites the node's data with ours if it differs. The node
// may have been created by an earlier Register of this session whose reply
// was lost, or by the same session with other data.
func (r *Registration) syncData() error {
	data, st, err := r.c.conn.Get(r.path)
	if err != nil {
		return fmt.Errorf("get %s: %w", r.path, err)
	}
	if bytes.Equal(data, r.data) {
		return nil
	}
	if _, err := r.c.conn.Set(r.path, r.data, st.Version); err != nil {
		return fmt.Errorf("set %s: %w", r.path, err)
	}
	return nil
}

// Deregister stops Run and deletes the node if this client owns it, so
// peers stop routing here before the process exits. Transient failures
// are retried until ctx ends; closing the client afterwards removes the
// node in any case.
func (r *Registration) Deregister(ctx context.Context) error {
	r.stopOnce.Do(func() { close(r.stop) })
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deregistered = true
	r.owner.Store(0)
	b := newBackoff()
	for {
		err := r.deleteOwn()
		if err == nil || !transient(err) {
			return err
		}
		if !r.c.pause(ctx, nil, b.next()) {
			return fmt.Errorf("zookeeper deregister %s: %w", r.path, errors.Join(err, ctx.Err()))
		}
	}
}

// deleteOwn deletes the node unless it is missing or belongs to someone else.
func (r *Registration) deleteOwn() error {
	ok, st, err := r.c.conn.Exists(r.path)
	if err != nil {
		return fmt.Errorf("zookeeper deregister %s: %w", r.path, err)
	}
	if !ok || (st.EphemeralOwner != r.c.conn.SessionID() && !r.c.heldBefore(st.EphemeralOwner)) {
		return nil
	}
	err = r.c.conn.Delete(r.path, st.Version)
	if err != nil && !errors.Is(err, zk.ErrNoNode) {
		return fmt.Errorf("zookeeper deregister %s: %w", r.path, err)
	}
	return nil
}
