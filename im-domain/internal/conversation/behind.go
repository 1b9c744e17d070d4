package conversation

import (
	"context"
	"sync"
)

// Write-behind. The message core tells this feature about every accepted
// message (OnMessage), every read (MarkRead) and every receive-ACK
// (Received). None of them is written on the caller's path: they are
// coalesced in memory per conversation and per cursor and written by Flush,
// every FlushInterval, as one transaction of multi-row upserts. A 1:1 pair
// exchanging 50 messages in one interval costs two row writes, not 50
// transactions; a group message costs one row per member per interval, not
// per message.
//
// What a crash (kill -9, power loss) can lose: the changes of at most the
// last interval (and, while MySQL is down, everything since it went down,
// which is retried in memory). None of it is part of the delivery contract:
//   - messages themselves are durable before the up-ACK (the store record's
//     confirm) and message sync reads im_message, never these rows;
//   - a lost row change leaves a conversation's summary, max seq and unread
//     count behind until its next message, which rewrites them;
//   - a lost read or receive cursor is behind, never ahead: the client
//     re-reads or re-receives what it had already seen and its dedup by
//     (conversation, seq) makes that harmless; the next read or ACK moves
//     the cursor again.
//
// Readers of this feature's state on this node (the REST API, ReadSeqs,
// ReadCount) flush first, so they see every change accepted before the
// call; another node's pending changes are at most one interval late.

// Allocator reports the highest seq handed out so far in each conversation
// (the message core's seq allocator). No read or receive cursor may pass
// it: a cursor beyond it would mark messages read before they exist.
type Allocator interface {
	Allocated(ctx context.Context, appID uint32, conversations []string) (map[string]int64, error)
}

// Position is one owner's cursor in one conversation.
type Position struct {
	AppID          uint32
	Owner          string
	ConversationID string
	Seq            int64
}

// Row is one owner's conversation row as the messages of one flush leave
// it. ReadSeq is the owner's own messages and reads in the flush (0: none).
type Row struct {
	AppID          uint32
	Owner          string
	ConversationID string
	Type           Type
	PeerID         string
	MaxSeq         int64
	Last           LastMessage // of the message at MaxSeq
	ReadSeq        int64
}

// Batch is one flush: rows to upsert, read positions of rows that must
// already exist, and receive cursors. Every cursor is within its
// conversation's allocated seqs.
type Batch struct {
	Rows     []Row
	Reads    []Position
	Received []Position
}

type convKey struct {
	app  uint32
	conv string
}

type posKey struct {
	app         uint32
	owner, conv string
}

// touched is the coalesced effect of the messages of one conversation.
type touched struct {
	typ     Type
	maxSeq  int64
	last    LastMessage
	peers   map[string]string // owner -> peer as the owner sees it
	readers map[string]int64  // sender -> seq of its latest own message
}

// read is a pending read position; late counts the flushes that found no
// row for it (the message that creates the row may come in the next one).
type read struct {
	seq  int64
	late int
}

// pending is what the buffer holds between flushes.
type pending struct {
	touches  map[convKey]*touched
	reads    map[posKey]read
	received map[posKey]int64
}

func newPending() pending {
	return pending{touches: map[convKey]*touched{}, reads: map[posKey]read{}, received: map[posKey]int64{}}
}

func (p *pending) empty() bool {
	return len(p.touches) == 0 && len(p.reads) == 0 && len(p.received) == 0
}

func (p *pending) touch(appID uint32, t Touch) {
	k := convKey{appID, t.ConversationID}
	c := p.touches[k]
	if c == nil {
		c = &touched{typ: t.Type, peers: map[string]string{}, readers: map[string]int64{}}
		p.touches[k] = c
	}
	if t.Seq > c.maxSeq {
		c.maxSeq, c.last = t.Seq, t.Last
	}
	for _, o := range t.Owners {
		c.peers[o.UserID] = o.PeerID
	}
	if t.Reader != "" {
		c.readers[t.Reader] = max(c.readers[t.Reader], t.Seq)
	}
}

func (p *pending) read(k posKey, r read) {
	old, ok := p.reads[k]
	if ok && old.seq >= r.seq {
		return
	}
	p.reads[k] = r
}

func (p *pending) receive(k posKey, seq int64) {
	p.received[k] = max(p.received[k], seq)
}

// merge adds o (a failed flush) back under p (changes since).
func (p *pending) merge(o pending) {
	for k, c := range o.touches {
		p.touch(k.app, c.asTouch(k.conv))
		for r, seq := range c.readers {
			p.touch(k.app, Touch{ConversationID: k.conv, Type: c.typ, Seq: seq, Reader: r})
		}
	}
	for k, r := range o.reads {
		p.read(k, r)
	}
	for k, seq := range o.received {
		p.receive(k, seq)
	}
}

func (c *touched) asTouch(conv string) Touch {
	t := Touch{ConversationID: conv, Type: c.typ, Seq: c.maxSeq, Last: c.last}
	for o, peer := range c.peers {
		t.Owners = append(t.Owners, Owner{UserID: o, PeerID: peer})
	}
	return t
}

// buffer is the write-behind buffer of one node.
type buffer struct {
	mu      sync.Mutex
	p       pending
	flushMu sync.Mutex // one flush at a time: a flush that returns has written all taken before it
}

func newBuffer() *buffer { return &buffer{p: newPending()} }

func (b *buffer) add(fn func(*pending)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	fn(&b.p)
}

// take empties the buffer and returns what it held.
func (b *buffer) take() pending {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.p
	b.p = newPending()
	return p
}
