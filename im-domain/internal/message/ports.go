package message

import (
	"context"
	"time"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-domain/internal/app"
	"github.com/whaleim/whaleim/im-domain/internal/user"
)

// Apps loads an app's settings (app.Service).
type Apps interface {
	App(ctx context.Context, id uint32) (*app.App, error)
}

// Users loads a live user or fails with errcode.UserNotFound (user.Service).
type Users interface {
	One(ctx context.Context, appID uint32, id string) (user.User, error)
}

// Relation is what the friend feature knows about a sender and a receiver.
type Relation struct {
	// Friends: each has the other as an active friend.
	Friends bool
	// Blocked: the receiver blacklisted the sender, or the sender the
	// receiver.
	Blocked bool
}

// FriendChecker answers friendship facts for the 1:1 send check (the
// friend feature); the app settings decide which facts matter.
type FriendChecker interface {
	Relation(ctx context.Context, appID uint32, from, to string) (Relation, error)
}

// Role is a group member's role.
type Role int

// Member roles.
const (
	RoleMember Role = iota
	RoleManager
	RoleOwner
)

// Group is what the group feature tells the message core about one group,
// as seen by one user.
type Group struct {
	Found     bool
	Destroyed bool
	Muted     bool // only managers and the owner may speak
	// Member is the asking user's membership; nil when not a member.
	Member *Member
	// Members are the ids of every current member (fan-out, read counts).
	Members []string
}

// Member is one user's membership of a group.
type Member struct {
	Role       Role
	MutedUntil time.Time // zero: not muted
}

// GroupChecker answers group facts (the group feature).
type GroupChecker interface {
	Group(ctx context.Context, appID uint32, groupID, userID string) (Group, error)
	// Joined lists the groups userID currently belongs to.
	Joined(ctx context.Context, appID uint32, userID string) ([]string, error)
}

// Entry is the dedup record of one (app, fromId, messageId).
type Entry struct {
	State State `json:"s"`
	At    int64 `json:"at"` // unix ms of the last state change
	Seq   int64 `json:"seq,omitempty"`
	Key   int64 `json:"key,omitempty"`
	Time  int64 `json:"time,omitempty"`
}

// State is a dedup entry's state.
type State string

// Dedup states: claimed and nothing assigned yet; seq and key assigned but
// the store publish not confirmed; durable.
const (
	Pending  State = "pending"
	Assigned State = "assigned"
	Done     State = "done"
)

// SenderKey names one send: the dedup key, and MySQL's unique sender key.
type SenderKey struct {
	AppID     uint32
	FromID    string
	MessageID string
}

// Claim is the outcome of claiming one SenderKey: Won when the fresh entry
// was written; otherwise Entry is the existing one (Found false when it
// vanished between the two reads: the caller claims again).
type Claim struct {
	Entry Entry
	Won   bool
	Found bool
}

// Dedup is the first deduplication layer (redisdb.Dedup). The All methods
// cost one round trip for the whole batch.
type Dedup interface {
	// ClaimAll writes fresh under every key that does not exist (SET NX).
	ClaimAll(ctx context.Context, keys []SenderKey, fresh Entry) ([]Claim, error)
	// Get returns the entry, and false when there is none.
	Get(ctx context.Context, k SenderKey) (Entry, bool, error)
	// SaveAll overwrites the entry of keys[i] with es[i].
	SaveAll(ctx context.Context, keys []SenderKey, es []Entry) error
	// ReleaseAll deletes the entries, so a resend is processed anew.
	ReleaseAll(ctx context.Context, keys []SenderKey) error
}

// SeqRequest asks for N consecutive seqs of one conversation.
type SeqRequest struct {
	AppID        uint32
	Conversation string
	N            int64
}

// Sequencer assigns per-conversation seqs that are strictly increasing and
// never reused, even across a Redis flush (redisdb.Sequencer).
type Sequencer interface {
	// NextAll returns, for each request, the first seq of a block of N
	// consecutive new seqs: one round trip for the whole batch while the
	// reserved blocks last.
	NextAll(ctx context.Context, reqs []SeqRequest) ([]int64, error)
	// Current returns the last seq handed out in each conversation (absent:
	// none known, e.g. after a Redis flush). It may be a seq no message got.
	Current(ctx context.Context, appID uint32, conversations []string) (map[string]int64, error)
}

// Publisher publishes one message and returns only when the broker
// confirmed it; for the store exchange the message must be persistent.
type Publisher interface {
	Publish(ctx context.Context, exchange, key string, body []byte) error
}

// Presence reads live device sessions (redisdb.Client).
type Presence interface {
	Online(ctx context.Context, appID uint32, userIDs []string) (map[string][]session.Session, error)
}

// Conversations is told about every accepted message (the conversation
// feature keeps the users' conversation lists).
type Conversations interface {
	// owners are the users whose conversation lists show it.
	OnMessage(ctx context.Context, m mq.Message, owners []string) error
	// MarkRead moves owner's read position in conversation forward to seq
	// (a 1106/2106 read). The conversation row's read position is the ONE
	// read position of a user: unread counts and "read by N of M" both
	// follow it. errcode.ConversationNotFound when owner has no row.
	MarkRead(ctx context.Context, appID uint32, owner, conversation string, seq int64) error
	// ReadSeqs returns owner's read position in each of its conversations.
	ReadSeqs(ctx context.Context, appID uint32, owner string) (map[string]int64, error)
	// ReadCount counts the owners whose read position in conversation is >= seq.
	ReadCount(ctx context.Context, appID uint32, conversation string, seq int64, owners []string) (int, error)
}

// Recent remembers the identity (no body) of every accepted message for a
// few minutes (redisdb.Recent). The store writes MySQL asynchronously after
// the up-ACK, so a recall or a read right after a send finds the message
// here before im_message has it.
type Recent interface {
	// RememberAll records ms in one round trip; it is called before the
	// up-ACK.
	RememberAll(ctx context.Context, ms []mq.Message) error
	ByKey(ctx context.Context, appID uint32, key int64) (mq.Message, bool, error)
	BySeq(ctx context.Context, appID uint32, conversation string, seq int64) (mq.Message, bool, error)
}

// Store is the message core's MySQL state (mariadb.DB): the messages the
// store wrote (im_message) and the per-user delivery and cleared cursors
// (the read position lives in the conversation rows, see Conversations).
type Store interface {
	// StoredAll finds already persisted messages by their sender keys (one
	// query): the final dedup guard once the Redis entry is gone.
	StoredAll(ctx context.Context, keys []SenderKey) (map[SenderKey]mq.Message, error)
	// ByKey finds a message by its server key.
	ByKey(ctx context.Context, appID uint32, key int64) (mq.Message, bool, error)
	// BySeq finds the message of conversation at seq.
	BySeq(ctx context.Context, appID uint32, conversation string, seq int64) (mq.Message, bool, error)
	// Touch records that users take part in conversation (1:1 lists).
	Touch(ctx context.Context, appID uint32, conversation string, users ...string) error
	// Touched reports whether Touch recorded userID in conversation: the
	// proof that a 1:1 conversation exists for its user.
	Touched(ctx context.Context, appID uint32, userID, conversation string) (bool, error)
	// Forward moves a cursor of a user forward only.
	Forward(ctx context.Context, appID uint32, userID, conversation string, c Cursor, seq int64) error
	// Cursors returns userID's delivery and cleared cursors (ReadSeq unset).
	Cursors(ctx context.Context, appID uint32, userID string) ([]UserConversation, error)
	// MaxSeqs returns the highest stored seq of each conversation.
	MaxSeqs(ctx context.Context, appID uint32, conversations []string) (map[string]int64, error)
	// Range returns messages with seq in (after, upto], ascending, at most limit.
	Range(ctx context.Context, appID uint32, conversation string, after, upto int64, limit int) ([]mq.Message, error)
	// Before returns messages with seq < before, descending, at most limit.
	Before(ctx context.Context, appID uint32, conversation string, before int64, limit int) ([]mq.Message, error)
	// Hide records that userID deleted the messages at seqs for itself.
	Hide(ctx context.Context, appID uint32, userID, conversation string, seqs []int64) error
	// Hidden returns the seqs in [from, to] that userID deleted for itself.
	Hidden(ctx context.Context, appID uint32, userID, conversation string, from, to int64) (map[int64]bool, error)
}

// Cursor names a per-user cursor.
type Cursor string

// Cursors: delivery, and cleared (history hidden up to it). The read
// position is not one of them: it is the conversation row's.
const (
	CursorReceive Cursor = "recv_seq"
	CursorCleared Cursor = "cleared_seq"
)

// UserConversation is one user's state in one conversation.
type UserConversation struct {
	Conversation string `json:"conversationId"`
	ReceiveSeq   int64  `json:"receiveSequence"`
	ReadSeq      int64  `json:"readSequence"` // the conversation row's read position
	ClearedSeq   int64  `json:"clearedSequence"`
}

// Observer records how long each stage of the send pipeline took and how
// big the batches were (the node's /metrics).
type Observer interface {
	Stage(stage string, d time.Duration)
	Batch(kind string, n int)
}

// Pipeline stages and batch kinds reported to the Observer.
const (
	StageDedup        = "dedup"         // claims (one round trip)
	StageGuard        = "guard"         // MySQL sender-key guard (one query)
	StageChecks       = "checks"        // permission checks and callbacks
	StageSeq          = "seq"           // seqs and keys
	StageRemember     = "remember"      // assigned entries and recent identities
	StageStorePublish = "store_publish" // the confirmed store batch
	StageDedupDone    = "dedup_done"    // done entries
	StagePush         = "push"          // presence and push batches

	BatchUplinks      = "uplinks"       // commands per uplink batch
	BatchStoreRecords = "store_records" // records per store publish
	BatchPushes       = "pushes"        // pushes per push batch
)

// nopObserver records nothing.
type nopObserver struct{}

func (nopObserver) Stage(string, time.Duration) {}
func (nopObserver) Batch(string, int)           {}
