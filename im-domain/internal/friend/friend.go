package friend

import (
	"unicode/utf8"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/ident"
)

// MaxBatch bounds every batch (import, check, group members), as WhaleShark.
const MaxBatch = 100

// MaxSyncLimit caps a sync page, as WhaleShark's 100.
const MaxSyncLimit = 100

// Friendship statuses (Friendship.Status).
const (
	StatusNone    = 0 // never friends: a blacklist-only row
	StatusNormal  = 1
	StatusDeleted = 2
)

// Black values (Friendship.Black).
const (
	BlackNone    = 1
	BlackBlocked = 2
)

// Friend allow types of the target user (users.friend_allow_type).
const (
	AllowAny          = 1
	AllowVerification = 2
)

// Sync modules: the names getUserSequence reports.
const (
	ModuleFriends  = "friendShipSeq"
	ModuleRequests = "friendShipRequestSeq"
	ModuleGroups   = "friendShipGroupSeq"
)

// Friendship is A's directional view of B (the row A->B). JSON names
// follow WhaleShark's im_friendship.
type Friendship struct {
	FromID     string `json:"fromId"`
	ToID       string `json:"toId"`
	Remark     string `json:"remark"`
	Status     int    `json:"status"`
	Black      int    `json:"black"`
	AddSource  string `json:"addSource"`
	Extra      string `json:"extra"`
	Sequence   int64  `json:"friendSequence"`
	CreateTime int64  `json:"createTime"`
}

// Friend reports whether the row is a live friendship.
func (f Friendship) Friend() bool { return f.Status == StatusNormal }

// Blocked reports whether the row's owner blacklisted the other user.
func (f Friendship) Blocked() bool { return f.Black == BlackBlocked }

// Pair is both directions between A and B, loaded and saved together.
// Missing rows come as zero rows (status 0, black 1) with Exists false.
type Pair struct {
	AB, BA             Friendship
	ABExists, BAExists bool
}

// Page is one incremental sync answer: rows with a sequence above the
// request's lastSequence, ascending; MaxSequence is the owner's latest.
type Page[T any] struct {
	MaxSequence int64 `json:"maxSequence"`
	Completed   bool  `json:"completed"`
	DataList    []T   `json:"dataList"`
}

// Result lists the ids a batch changed and those it did not.
type Result struct {
	SuccessID []string `json:"successId"`
	ErrorID   []string `json:"errorId"`
}

// Item is one friend in an add or import.
type Item struct {
	ToID       string `json:"toId"`
	Remark     string `json:"remark"`
	AddSource  string `json:"addSource"`
	AddWording string `json:"addWording"`
	Extra      string `json:"extra"`
	// Import only: 1 normal (default), 2 deleted; black 1 (default) or 2.
	Status int `json:"status"`
	Black  int `json:"black"`
}

// Validate checks lengths against the schema.
func (it *Item) Validate() error {
	if err := ValidID(it.ToID); err != nil {
		return err
	}
	for _, l := range []struct {
		name string
		v    string
		max  int
	}{{"remark", it.Remark, 128}, {"addSource", it.AddSource, 64}, {"addWording", it.AddWording, 512}, {"extra", it.Extra, 4096}} {
		if utf8.RuneCountInString(l.v) > l.max {
			return errcode.MissingField.With(l.name + " too long")
		}
	}
	return nil
}

// ValidID checks a user id: the one id alphabet, ident.ValidID.
func ValidID(id string) error { return ident.Check("user id", id) }

// Check types of checkFriend / checkBlck.
const (
	CheckSingle = 1
	CheckBoth   = 2
)

// CheckResult is one line of a friend or blacklist check. For friends,
// single: 1 A has B as a friend, 0 not; both: 1 both ways, 2 only A->B, 3
// only B->A, 4 neither. For the blacklist the same numbers mean "has
// blacklisted" instead of "has as friend" (WhaleShark inverted this and
// mapped it into a missing field).
type CheckResult struct {
	FromID string `json:"fromId"`
	ToID   string `json:"toId"`
	Status int    `json:"status"`
}

// checkStatus computes one CheckResult status from a->b and b->a.
func checkStatus(kind int, ab, ba bool) int {
	if kind == CheckSingle {
		if ab {
			return 1
		}
		return 0
	}
	switch {
	case ab && ba:
		return 1
	case ab:
		return 2
	case ba:
		return 3
	}
	return 4
}
