package zookeeper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/go-zookeeper/zk"
)

// Member is one child of a watched path: its name (for gateways, the
// brokerId) and its data (the JSON the member registered).
type Member struct {
	Name string
	Data []byte
}

// Members returns the children of path with their data, sorted by name.
// A missing path has no members. Children that vanish while being read are
// left out.
func (c *Client) Members(ctx context.Context, path string) ([]Member, error) {
	if err := checkPath(path, true); err != nil {
		return nil, err
	}
	names, _, err := c.conn.Children(path)
	if errors.Is(err, zk.ErrNoNode) {
		return []Member{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("zookeeper children %s: %w", path, err)
	}
	return c.read(ctx, path, names)
}

// Watch delivers the member list of path now and after every change in
// membership, until ctx ends or the client closes; then the channel is
// closed. The channel holds only the newest list: a slow reader skips
// intermediate lists but always ends up with the current one. A list equal
// to the one delivered before is not sent again.
//
// The child watch is re-armed after every event, and the list is re-read
// after reconnects and session expiry, so it is current again as soon as
// the client has a session. Changes to a member's data alone are not
// watched. Errors are retried (and logged); only a bad path is returned.
func (c *Client) Watch(ctx context.Context, path string) (<-chan []Member, error) {
	if err := checkPath(path, true); err != nil {
		return nil, err
	}
	out := make(chan []Member, 1)
	go c.watch(ctx, path, out)
	return out, nil
}

func (c *Client) watch(ctx context.Context, path string, out chan []Member) {
	defer close(out)
	var last []Member
	sent := false
	b := newBackoff()
	for {
		ms, ev, err := c.membersW(ctx, path)
		if err != nil {
			if ctx.Err() != nil || c.isClosed() {
				return
			}
			c.logRetry("zookeeper watch failed; retrying", path, err)
			if !c.pause(ctx, nil, b.next()) {
				return
			}
			continue
		}
		b.reset()
		if !sent || !equalMembers(last, ms) {
			offer(out, ms)
			last, sent = ms, true
		}
		select {
		case <-ev:
		case <-ctx.Done():
			return
		case <-c.closed:
			return
		}
	}
}

// membersW reads the member list and arms a watch that fires on the next
// membership change: a child watch, or an existence watch while path is
// missing.
func (c *Client) membersW(ctx context.Context, path string) ([]Member, <-chan zk.Event, error) {
	for {
		names, _, ev, err := c.conn.ChildrenW(path)
		if err == nil {
			ms, err := c.read(ctx, path, names)
			return ms, ev, err
		}
		if !errors.Is(err, zk.ErrNoNode) {
			return nil, nil, fmt.Errorf("zookeeper children %s: %w", path, err)
		}
		ok, _, ev, err := c.conn.ExistsW(path)
		if err != nil {
			return nil, nil, fmt.Errorf("zookeeper exists %s: %w", path, err)
		}
		if !ok {
			return []Member{}, ev, nil
		}
		// Created between the two calls: read its children.
	}
}

// read fetches the data of each named child of path, sorted by name.
func (c *Client) read(ctx context.Context, path string, names []string) ([]Member, error) {
	slices.Sort(names)
	ms := make([]Member, 0, len(names))
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		data, _, err := c.conn.Get(child(path, name))
		if errors.Is(err, zk.ErrNoNode) {
			continue // left meanwhile; the child watch reports it
		}
		if err != nil {
			return nil, fmt.Errorf("zookeeper get %s: %w", child(path, name), err)
		}
		ms = append(ms, Member{Name: name, Data: data})
	}
	return ms, nil
}

func (c *Client) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// logRetry logs expected outage errors quietly and anything else loudly.
func (c *Client) logRetry(msg, path string, err error) {
	if transient(err) {
		c.log.Debug(msg, "path", path, "err", err)
		return
	}
	c.log.Warn(msg, "path", path, "err", err)
}

// offer replaces whatever list is still unread in out with ms. It never
// blocks because out has capacity 1 and this goroutine is its only sender.
func offer(out chan []Member, ms []Member) {
	select {
	case <-out:
	default:
	}
	out <- ms
}

// equalMembers compares two sorted member lists by name and data.
func equalMembers(a, b []Member) bool {
	return slices.EqualFunc(a, b, func(x, y Member) bool {
		return x.Name == y.Name && bytes.Equal(x.Data, y.Data)
	})
}
