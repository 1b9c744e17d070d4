package domain

import (
	"context"
	"sync"

	"github.com/whaleim/whaleim/im-domain/internal/conversation"
	"github.com/whaleim/whaleim/im-domain/internal/mariadb"
	"github.com/whaleim/whaleim/im-domain/internal/message"
	"github.com/whaleim/whaleim/im-domain/internal/redisdb"
)

// allocatedSeqs is conversation.Allocator: the seq allocator's current
// value in Redis, the last seq actually handed out. The stored maximum
// (im_message) alone would hold cursors back: the store writes after the
// up-ACK, so a client may read or receive-ACK a message the store has not
// written yet. Where Redis lost the counter (no message since a Redis
// flush) the stored maximum is the fallback, not MySQL's high-water mark,
// which may be a whole block above the last seq: a cursor held back is
// harmless (the client re-reads), one moved ahead would mark the next
// messages read before they exist.
type allocatedSeqs struct {
	seqs *redisdb.Sequencer
	db   *mariadb.DB
}

func (a allocatedSeqs) Allocated(ctx context.Context, appID uint32, conversations []string) (map[string]int64, error) {
	out, err := a.seqs.Current(ctx, appID, conversations)
	if err != nil {
		return nil, err
	}
	var lost []string
	for _, c := range conversations {
		if _, ok := out[c]; !ok {
			lost = append(lost, c)
		}
	}
	if len(lost) == 0 {
		return out, nil
	}
	stored, err := a.db.MaxSeqs(ctx, appID, lost)
	for c, seq := range stored {
		out[c] = seq
	}
	return out, err
}

// cursorStore is the message core's Store with the receive cursor written
// behind by the conversation feature (batched, forward only, clamped to the
// allocated seqs), and the 1:1 participation rows (Touch, Touched) answered
// from memory once known; the other cursors and everything else go to
// MySQL as they come.
type cursorStore struct {
	*mariadb.DB
	convs *conversation.Service
	known *participants
}

func (c cursorStore) Forward(ctx context.Context, appID uint32, userID, conv string, cur message.Cursor, seq int64) error {
	if cur == message.CursorReceive {
		return c.convs.Received(ctx, appID, userID, conv, seq)
	}
	return c.DB.Forward(ctx, appID, userID, conv, cur, seq)
}

// Touch writes the participation rows unless this node knows them: every
// 1:1 message calls it, and after the first one it is a no-op.
func (c cursorStore) Touch(ctx context.Context, appID uint32, conv string, users ...string) error {
	if c.known.all(appID, conv, users) {
		return nil
	}
	if err := c.DB.Touch(ctx, appID, conv, users...); err != nil {
		return err
	}
	c.known.add(appID, conv, users...)
	return nil
}

// Touched answers from memory when the row is known: every receive-ACK
// and read of a 1:1 conversation asks.
func (c cursorStore) Touched(ctx context.Context, appID uint32, userID, conv string) (bool, error) {
	if c.known.all(appID, conv, []string{userID}) {
		return true, nil
	}
	ok, err := c.DB.Touched(ctx, appID, userID, conv)
	if ok {
		c.known.add(appID, conv, userID)
	}
	return ok, err
}

// participants remembers participation rows known to exist. Only present
// rows are remembered, and they are never deleted, so an answer from
// memory is never stale. At maxKnown entries it starts over: a forgotten
// row costs one query.
type participants struct {
	mu  sync.Mutex
	set map[participant]struct{}
}

type participant struct {
	app        uint32
	user, conv string
}

const maxKnown = 1 << 20

func newParticipants() *participants { return &participants{set: map[participant]struct{}{}} }

func (p *participants) all(app uint32, conv string, users []string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range users {
		if _, ok := p.set[participant{app, u, conv}]; !ok {
			return false
		}
	}
	return true
}

func (p *participants) add(app uint32, conv string, users ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.set)+len(users) > maxKnown {
		clear(p.set)
	}
	for _, u := range users {
		p.set[participant{app, u, conv}] = struct{}{}
	}
}
