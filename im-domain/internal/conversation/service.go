package conversation

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
)

// Touch is one message's effect on the rows of its owners.
type Touch struct {
	ConversationID string
	Type           Type
	Owners         []Owner
	Seq            int64
	Last           LastMessage
	// Reader is the owner whose read position moves to Seq: the sender has
	// read its own message, so unread counts only others' messages.
	Reader string
}

// Owner is one row to upsert: its owner and the peer as the owner sees it.
type Owner struct {
	UserID, PeerID string
}

// Store persists conversation rows and receive cursors (mariadb.DB). Every
// row change takes a new sync sequence and marks it on the owner in the
// same transaction.
type Store interface {
	// WriteBehind writes one flush in one transaction: upserts every row of
	// b.Rows (max_seq = max(max_seq, MaxSeq), summary of the newest
	// message, read_seq = max(read_seq, ReadSeq), un-hidden), moves the
	// read_seq of the existing rows of b.Reads forward, and the receive
	// cursors of b.Received forward; each changed row gets a new sync
	// sequence. It returns the reads whose row does not exist.
	WriteBehind(ctx context.Context, b Batch) (missing []Position, err error)
	// UpdateConversation loads the owner's row for update and applies fn;
	// when fn reports a change the row gets a new sync sequence and is
	// saved. errcode.ConversationNotFound when there is no row.
	UpdateConversation(ctx context.Context, appID uint32, owner, conversationID string, fn func(*Conversation) bool) (Conversation, bool, error)
	// CreateConversation inserts c (no message yet) with a new sync
	// sequence unless the owner has the row; then it returns that row
	// unchanged and false.
	CreateConversation(ctx context.Context, appID uint32, c Conversation) (Conversation, bool, error)
	// Conversations lists the owner's visible rows, pinned first, then by
	// latest message, and the number of visible rows.
	Conversations(ctx context.Context, appID uint32, owner string, offset, limit int) ([]Conversation, int64, error)
	// UnreadConversations lists the owner's visible rows with max_seq > read_seq.
	UnreadConversations(ctx context.Context, appID uint32, owner string) ([]Conversation, error)
	// ConversationsAfter lists the owner's rows (hidden ones too) with
	// sequence > after, by sequence, at most limit.
	ConversationsAfter(ctx context.Context, appID uint32, owner string, after int64, limit int) ([]Conversation, error)
	// MaxConversationSequence is the owner's largest row sequence (0: none).
	MaxConversationSequence(ctx context.Context, appID uint32, owner string) (int64, error)
	// ReadSeqs returns the owner's read_seq of each of its rows.
	ReadSeqs(ctx context.Context, appID uint32, owner string) (map[string]int64, error)
	// ReadCount counts the rows of conversationID among owners with read_seq >= seq.
	ReadCount(ctx context.Context, appID uint32, conversationID string, seq int64, owners []string) (int, error)
}

// Notifier pushes events to devices (notify.Notifier).
type Notifier interface {
	Notify(ctx context.Context, ev notify.Event) error
}

// Service implements the conversation use cases. Changes from the message
// core are written behind (behind.go): Run must run for them to reach
// MySQL between reads.
type Service struct {
	store    Store
	notifier Notifier
	alloc    Allocator
	buf      *buffer
	log      *slog.Logger
}

// NewService returns a Service; alloc bounds every read and receive cursor.
func NewService(store Store, notifier Notifier, alloc Allocator, log *slog.Logger) *Service {
	return &Service{store: store, notifier: notifier, alloc: alloc, buf: newBuffer(), log: log.With("feature", "conversation")}
}

// OnMessage records a new message with seq in conversationID for every
// owner: the row is created when missing, un-hidden when deleted, its last
// message seq never goes down and its summary follows the newest message.
// peerOrGroupID is the receiver (toId) of a 1:1 message, whose sender is
// last.FromID, or the group id. Owners of a 1:1 conversation must be its two
// users. The sender's (last.FromID) read position moves to seq in the same
// upsert: one's own message is never unread. Idempotent: replaying a
// message changes only the sync sequence. Written behind: it returns once
// the change is buffered.
func (s *Service) OnMessage(_ context.Context, appID uint32, conversationID string, kind mq.ConversationKind,
	owners []string, peerOrGroupID string, seq int64, last LastMessage) error {
	t, err := touch(conversationID, kind, owners, peerOrGroupID, seq, last)
	if err != nil || len(t.Owners) == 0 {
		return err
	}
	s.buf.add(func(p *pending) { p.touch(appID, t) })
	return nil
}

func touch(conversationID string, kind mq.ConversationKind, owners []string, peerOrGroupID string, seq int64, last LastMessage) (Touch, error) {
	typ, ok := TypeOf(kind)
	switch {
	case !ok:
		return Touch{}, errcode.BadRequest.With("unknown conversation kind " + string(kind))
	case seq <= 0:
		return Touch{}, errcode.BadRequest.With("message seq must be positive")
	case typ == Group && conversationID != mq.GroupConversation(peerOrGroupID):
		return Touch{}, errcode.BadRequest.With("conversationId is not the group's")
	case typ == P2P && conversationID != mq.P2PConversation(last.FromID, peerOrGroupID):
		return Touch{}, errcode.BadRequest.With("conversationId is not fromId and toId's")
	}
	last.Preview = preview(last.Preview)
	t := Touch{ConversationID: conversationID, Type: typ, Seq: seq, Last: last, Reader: last.FromID}
	// Sorted owners also make concurrent upserts lock rows in one order.
	for _, o := range dedup(owners) {
		if o == "" || len(o) > 64 {
			return Touch{}, errcode.BadRequest.With("owner id: 1..64 bytes")
		}
		peer := peerOrGroupID
		if typ == P2P {
			switch o {
			case last.FromID:
			case peerOrGroupID:
				peer = last.FromID
			default:
				return Touch{}, errcode.BadRequest.With("owner " + o + " is not in the 1:1 conversation")
			}
		}
		t.Owners = append(t.Owners, Owner{UserID: o, PeerID: peer})
	}
	return t, nil
}

// MarkRead moves the owner's read position in conversationID forward to
// seq (a 1106/2106 read of the message core), clamped to the seqs
// allocated in the conversation. Written behind: a read of a row that does
// not exist by the next flushes is dropped, as the message core drops
// errcode.ConversationNotFound. It does not notify (the message core sends
// 1053/2053 for read receipts).
func (s *Service) MarkRead(_ context.Context, appID uint32, owner, conversationID string, seq int64) error {
	if err := checkCursor(owner, conversationID, seq); err != nil {
		return err
	}
	s.buf.add(func(p *pending) { p.read(posKey{appID, owner, conversationID}, read{seq: seq}) })
	return nil
}

// Received moves owner's receive cursor in conversationID forward to seq
// (a receive-ACK), clamped to the seqs allocated in the conversation.
// Written behind.
func (s *Service) Received(_ context.Context, appID uint32, owner, conversationID string, seq int64) error {
	if err := checkCursor(owner, conversationID, seq); err != nil {
		return err
	}
	s.buf.add(func(p *pending) { p.receive(posKey{appID, owner, conversationID}, seq) })
	return nil
}

func checkCursor(owner, conversationID string, seq int64) error {
	if seq < 0 {
		return errcode.MissingField.With("sequence must not be negative")
	}
	_, _, err := ParseID(owner, conversationID)
	return err
}

// markRead moves the read position at once (REST), clamped like MarkRead.
func (s *Service) markRead(ctx context.Context, appID uint32, owner, conversationID string, seq int64) (Conversation, bool, error) {
	if err := checkCursor(owner, conversationID, seq); err != nil {
		return Conversation{}, false, err
	}
	ceil, err := s.alloc.Allocated(ctx, appID, []string{conversationID})
	if err != nil {
		return Conversation{}, false, fmt.Errorf("conversation: allocated seqs: %w", err)
	}
	seq = min(seq, ceil[conversationID])
	return s.update(ctx, appID, owner, conversationID, func(c *Conversation) bool {
		if seq <= c.ReadSeq {
			return false
		}
		c.ReadSeq = seq
		return true
	})
}

// ReadSeqs returns the owner's read position in each of its conversations
// (hidden ones too): the one read position the message core reports.
func (s *Service) ReadSeqs(ctx context.Context, appID uint32, owner string) (map[string]int64, error) {
	if err := s.Flush(ctx); err != nil {
		return nil, err
	}
	return s.store.ReadSeqs(ctx, appID, owner)
}

// ReadCount counts the owners whose read position in conversationID is at
// or past seq ("read by N of M"; the caller chooses the owners).
func (s *Service) ReadCount(ctx context.Context, appID uint32, conversationID string, seq int64, owners []string) (int, error) {
	if len(owners) == 0 {
		return 0, nil
	}
	if err := s.Flush(ctx); err != nil {
		return 0, err
	}
	return s.store.ReadCount(ctx, appID, conversationID, seq, owners)
}

// Read is MarkRead for the REST API: it returns the row and, when the read
// position moved, sends 5001 to the owner's other devices.
func (s *Service) Read(ctx context.Context, appID uint32, owner, conversationID string, seq int64, from *device.ID) (Conversation, error) {
	c, moved, err := s.markRead(ctx, appID, owner, conversationID, seq)
	if err == nil && moved {
		s.notify(ctx, appID, command.ConversationUpdate, owner, from, c)
	}
	return c, err
}

// Update pins/unpins or mutes/unmutes a conversation and sends 5001 with the
// new row to the owner's other devices when something changed.
func (s *Service) Update(ctx context.Context, appID uint32, owner, conversationID string, p Patch, from *device.ID) (Conversation, error) {
	if err := p.Validate(); err != nil {
		return Conversation{}, err
	}
	if _, _, err := ParseID(owner, conversationID); err != nil {
		return Conversation{}, err
	}
	c, changed, err := s.update(ctx, appID, owner, conversationID, p.Apply)
	if err == nil && changed {
		s.notify(ctx, appID, command.ConversationUpdate, owner, from, c)
	}
	return c, err
}

// Open creates the owner's row of a conversation before its first message
// (a chat opened, a friend added, a group joined), so the list and its
// sync show it at once; an existing row, hidden or not, is left as it is.
// A new row is sent with 5001 to the owner's other devices.
func (s *Service) Open(ctx context.Context, appID uint32, owner, conversationID string, from *device.ID) (Conversation, error) {
	typ, peer, err := ParseID(owner, conversationID)
	if err != nil {
		return Conversation{}, err
	}
	c, created, err := s.store.CreateConversation(ctx, appID,
		Conversation{ConversationID: conversationID, Type: typ, OwnerID: owner, PeerID: peer})
	if err != nil {
		return Conversation{}, err
	}
	c.fill()
	if created {
		s.notify(ctx, appID, command.ConversationUpdate, owner, from, c)
	}
	return c, nil
}

// Delete hides a conversation from the owner's list until a new message
// arrives, marks everything so far read (a re-appearing conversation shows
// only what is new) and sends 5000 to the owner's other devices. Deleting a
// hidden conversation changes nothing.
func (s *Service) Delete(ctx context.Context, appID uint32, owner, conversationID string, from *device.ID) error {
	if _, _, err := ParseID(owner, conversationID); err != nil {
		return err
	}
	c, changed, err := s.update(ctx, appID, owner, conversationID, func(c *Conversation) bool {
		if c.Deleted == 1 {
			return false
		}
		c.Deleted, c.ReadSeq = 1, max(c.ReadSeq, c.MaxSeq)
		return true
	})
	if err == nil && changed {
		s.notify(ctx, appID, command.ConversationDelete, owner, from, c)
	}
	return err
}

// List returns a page of the owner's visible conversations (pinned first,
// then newest message first) and how many there are.
func (s *Service) List(ctx context.Context, appID uint32, owner string, offset, limit int) ([]Conversation, int64, error) {
	if offset < 0 || limit < 0 {
		return nil, 0, errcode.MissingField.With("offset/limit must not be negative")
	}
	if limit == 0 || limit > MaxSyncLimit {
		limit = MaxSyncLimit
	}
	if err := s.Flush(ctx); err != nil {
		return nil, 0, err
	}
	list, total, err := s.store.Conversations(ctx, appID, owner, offset, limit)
	return filled(list), total, err
}

// UnreadCount returns the owner's total unread messages over visible
// conversations (muted ones included; each entry says whether it is muted)
// and the count per conversation.
func (s *Service) UnreadCount(ctx context.Context, appID uint32, owner string) (Unread, error) {
	if err := s.Flush(ctx); err != nil {
		return Unread{}, err
	}
	list, err := s.store.UnreadConversations(ctx, appID, owner)
	if err != nil {
		return Unread{}, err
	}
	out := Unread{Conversations: []UnreadCount{}}
	for _, c := range filled(list) {
		out.Total += c.Unread
		out.Conversations = append(out.Conversations, UnreadCount{ConversationID: c.ConversationID, Unread: c.Unread, Mute: c.Mute})
	}
	return out, nil
}

// Sync returns the owner's rows changed after lastSequence (hidden rows
// included, as tombstones with isDeleted 1), oldest change first.
func (s *Service) Sync(ctx context.Context, appID uint32, owner string, lastSequence int64, maxLimit int) (Page, error) {
	if lastSequence < 0 || maxLimit < 0 {
		return Page{}, errcode.MissingField.With("lastSequence/maxLimit must not be negative")
	}
	if maxLimit == 0 || maxLimit > MaxSyncLimit {
		maxLimit = MaxSyncLimit
	}
	if err := s.Flush(ctx); err != nil {
		return Page{}, err
	}
	maxSeq, err := s.store.MaxConversationSequence(ctx, appID, owner)
	if err != nil {
		return Page{}, err
	}
	// One extra row tells whether more follow without trusting maxSeq,
	// which a concurrent change may already have passed.
	rows, err := s.store.ConversationsAfter(ctx, appID, owner, lastSequence, maxLimit+1)
	if err != nil {
		return Page{}, err
	}
	p := Page{MaxSequence: maxSeq, Completed: len(rows) <= maxLimit, DataList: filled(rows[:min(len(rows), maxLimit)])}
	if n := len(p.DataList); n > 0 {
		p.MaxSequence = max(p.MaxSequence, p.DataList[n-1].Sequence)
	}
	return p, nil
}

func (s *Service) notify(ctx context.Context, appID uint32, cmd command.Code, owner string, from *device.ID, c Conversation) {
	ev := notify.Event{AppID: appID, Command: cmd, To: []string{owner}, ExcludeDevice: from, ToID: c.ConversationID, Data: c}
	if err := s.notifier.Notify(ctx, ev); err != nil {
		// Best-effort: the change is committed and devices catch up by sync.
		s.log.WarnContext(ctx, "conversation notification failed", "app", appID, "owner", owner, "command", int(cmd), "err", err)
	}
}

// update is Store.UpdateConversation after a flush (the row may still be
// buffered), with the derived fields filled in.
func (s *Service) update(ctx context.Context, appID uint32, owner, conversationID string, fn func(*Conversation) bool) (Conversation, bool, error) {
	if err := s.Flush(ctx); err != nil {
		return Conversation{}, false, err
	}
	c, changed, err := s.store.UpdateConversation(ctx, appID, owner, conversationID, fn)
	c.fill()
	return c, changed, err
}

func filled(list []Conversation) []Conversation {
	out := make([]Conversation, len(list))
	for i, c := range list {
		c.fill()
		out[i] = c
	}
	return out
}

func dedup(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// Record is OnMessage for a message in the store's form: the message core
// passes what it hands to the store and whose lists it touches (1:1: the
// sender and the receiver; group: the members and the sender).
func (s *Service) Record(ctx context.Context, m mq.Message, owners []string) error {
	peer := m.ToID
	if m.Kind == mq.Group {
		peer = m.GroupID
	}
	last := LastMessage{MessageKey: m.MessageKey, FromID: m.FromID, Preview: m.Body, Time: m.Time}
	return s.OnMessage(ctx, m.AppID, m.ConversationID, m.Kind, owners, peer, m.Seq, last)
}
