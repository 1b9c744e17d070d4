package whaleim

import (
	"slices"
	"sort"
	"strings"
)

// Conversation is one entry of the conversation list.
type Conversation struct {
	ID          string // "p2p:a:b" or "group:g"
	Peer        string // 1:1: the other user
	Group       string // group: its id
	Last        Message
	Unread      int   // messages from others after ReadSeq
	ReadSeq     int64 // this user's read mark
	PeerReadSeq int64 // 1:1: how far the peer has read
}

// conversation returns the entry of id, creating it; c.mu is held.
func (c *Client) conversation(id string) *Conversation {
	cv, ok := c.convs[id]
	if !ok {
		cv = &Conversation{ID: id}
		if g, isGroup := strings.CutPrefix(id, "group:"); isGroup {
			cv.Group = g
		} else {
			a, b, _ := strings.Cut(strings.TrimPrefix(id, "p2p:"), ":")
			cv.Peer = a
			if a == c.cfg.UserID {
				cv.Peer = b
			}
		}
		c.convs[id] = cv
	}
	return cv
}

// unread keeps the seqs of unread messages from others per conversation,
// so a read mark can subtract exactly what it covers.
type unreadSeqs map[string][]int64

func (c *Client) changed(cv *Conversation) { c.emit(ConversationUpdated{Conversation: *cv}) }

// received updates the list for an emitted message.
func (c *Client) received(m Message) {
	cv := c.conversation(m.Conversation)
	if m.Seq >= cv.Last.Seq {
		cv.Last = m
	}
	if m.From != c.cfg.UserID && m.Seq > cv.ReadSeq && !m.Recalled {
		c.unread[m.Conversation] = append(c.unread[m.Conversation], m.Seq)
		cv.Unread = len(c.unread[m.Conversation])
	}
	c.changed(cv)
}

// sentOwn puts our own acknowledged send in the list.
func (c *Client) sentOwn(conv string, seq int64, e OutboxEntry) {
	cv := c.conversation(conv)
	if seq >= cv.Last.Seq {
		cv.Last = Message{Conversation: conv, Seq: seq, ID: e.MessageID, From: c.cfg.UserID, To: e.To,
			Group: e.Group, Body: e.Body, Extra: e.Extra}
	}
	c.markRead(conv, seq) // sending implies having read what came before
}

// markRead moves this user's read mark forward.
func (c *Client) markRead(conv string, seq int64) {
	cv := c.conversation(conv)
	if seq <= cv.ReadSeq {
		return
	}
	cv.ReadSeq = seq
	c.unread[conv] = slices.DeleteFunc(c.unread[conv], func(s int64) bool { return s <= seq })
	cv.Unread = len(c.unread[conv])
	c.changed(cv)
}

// syncRead applies the server's read mark from the max-sequence query.
func (c *Client) syncRead(conv string, seq int64) {
	if seq > 0 {
		c.markRead(conv, seq)
	}
}

// peerRead records a read receipt.
func (c *Client) peerRead(conv string, seq int64) {
	cv := c.conversation(conv)
	if seq > cv.PeerReadSeq {
		cv.PeerReadSeq = seq
		c.changed(cv)
	}
}

// recalled emits a recall and blanks the last message if it is the one.
func (c *Client) recalled(conv string, key int64) {
	c.emit(Recalled{Conversation: conv, Key: key})
	cv := c.conversation(conv)
	if cv.Last.Key == key && key != 0 {
		cv.Last.Recalled, cv.Last.Body, cv.Last.Extra = true, "", ""
		c.changed(cv)
	}
}

// Conversations returns the list, most recent message first.
func (c *Client) Conversations() []Conversation {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Conversation, 0, len(c.convs))
	for _, cv := range c.convs {
		out = append(out, *cv)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Last.Time != out[j].Last.Time {
			return out[i].Last.Time > out[j].Last.Time
		}
		return out[i].ID < out[j].ID
	})
	return out
}
