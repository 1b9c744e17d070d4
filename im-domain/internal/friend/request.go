package friend

import (
	"context"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
	"github.com/whaleim/whaleim/im-domain/internal/webhook"
)

// Approve statuses of a Request.
const (
	RequestPending  = 0
	RequestApproved = 1
	RequestRejected = 2
)

// Request is a friend request from FromID to ToID. There is one row per
// (app, from, to): asking again refreshes it and makes it pending again.
type Request struct {
	ID            int64  `json:"id"`
	FromID        string `json:"fromId"`
	ToID          string `json:"toId"`
	Remark        string `json:"remark"`
	ReadStatus    int    `json:"readStatus"` // 0 unread, 1 read
	AddSource     string `json:"addSource"`
	AddWording    string `json:"addWording"`
	ApproveStatus int    `json:"approveStatus"` // RequestPending, RequestApproved, RequestRejected
	CreateTime    int64  `json:"createTime"`
	UpdateTime    int64  `json:"updateTime"`
	Sequence      int64  `json:"sequence"`
}

// Requests persists friend requests (mariadb.DB). Changes mark the
// friendShipRequestSeq of both the requester and the recipient.
type Requests interface {
	// UpsertFriendRequest creates the request or refreshes the existing row of
	// (from, to) to pending and unread, with a new sequence.
	UpsertFriendRequest(ctx context.Context, appID uint32, r Request) (Request, error)
	// ReceivedFriendRequests lists the requests to toID, newest first.
	ReceivedFriendRequests(ctx context.Context, appID uint32, toID string) ([]Request, error)
	// FriendRequestByID returns a request or FriendRequestNotFound.
	FriendRequestByID(ctx context.Context, appID uint32, id int64) (Request, error)
	// ReadFriendRequests marks every unread request to toID read, each with a new
	// sequence, and returns them.
	ReadFriendRequests(ctx context.Context, appID uint32, toID string) ([]Request, error)
	// DecideFriendRequest locks the request, applies decide, saves it with a new
	// sequence and, when befriend is not nil, runs it with the decided
	// request on the pair (from, to) as UpdateFriendPair does, all in one
	// transaction.
	DecideFriendRequest(ctx context.Context, appID uint32, id int64, decide func(*Request) error, befriend func(Request, *Pair) error) (Request, Pair, error)
	SyncFriendRequests(ctx context.Context, appID uint32, owner string, last int64, limit int) (Page[Request], error)
}

// request writes a friend request and pushes 3003 FRIEND_REQUEST with it
// to all of the recipient's devices and the requester's other devices.
func (s *Service) request(ctx context.Context, appID uint32, from string, it Item, dev *device.ID) (Request, error) {
	r, err := s.store.UpsertFriendRequest(ctx, appID, Request{FromID: from, ToID: it.ToID, Remark: it.Remark,
		AddSource: it.AddSource, AddWording: it.AddWording, UpdateTime: time.Now().UnixMilli()})
	if err != nil {
		return Request{}, err
	}
	s.notify(ctx, notify.Event{AppID: appID, Command: command.FriendRequest, To: []string{it.ToID}, Data: r})
	s.toOwner(ctx, appID, from, command.FriendRequest, dev, r)
	return r, nil
}

// ReceivedRequests lists the requests sent to toID.
func (s *Service) ReceivedRequests(ctx context.Context, appID uint32, toID string) ([]Request, error) {
	if err := ValidID(toID); err != nil {
		return nil, err
	}
	return s.store.ReceivedFriendRequests(ctx, appID, toID)
}

// RequestByID returns one request the owner sent or received;
// FriendRequestNotFound otherwise (others' requests are not revealed).
func (s *Service) RequestByID(ctx context.Context, appID uint32, owner string, id int64) (Request, error) {
	if id <= 0 {
		return Request{}, errcode.MissingField.With("id")
	}
	r, err := s.store.FriendRequestByID(ctx, appID, id)
	if err != nil {
		return Request{}, err
	}
	if owner != "" && r.FromID != owner && r.ToID != owner {
		return Request{}, errcode.FriendRequestNotFound
	}
	return r, nil
}

// ReadRequests marks toID's received requests read and pushes 3004
// FRIEND_REQUEST_READ to toID's other devices.
func (s *Service) ReadRequests(ctx context.Context, appID uint32, toID string, dev *device.ID) (int, error) {
	if err := ValidID(toID); err != nil {
		return 0, err
	}
	rs, err := s.store.ReadFriendRequests(ctx, appID, toID)
	if err != nil || len(rs) == 0 {
		return 0, err
	}
	s.toOwner(ctx, appID, toID, command.FriendRequestRead, dev,
		map[string]any{"fromId": toID, "sequence": rs[len(rs)-1].Sequence})
	return len(rs), nil
}

// Approve decides a pending request as its recipient approver: status
// RequestApproved makes both users friends, RequestRejected only closes
// it. 3005 FRIEND_REQUEST_APPROVE goes to the approver's other devices and
// to the requester; on approval both also get 3000 FRIEND_ADD.
func (s *Service) Approve(ctx context.Context, appID uint32, approver string, id int64, status int, dev *device.ID) (Request, error) {
	if err := ValidID(approver); err != nil {
		return Request{}, err
	}
	if status != RequestApproved && status != RequestRejected {
		return Request{}, errcode.MissingField.With("status: 1 approve or 2 reject")
	}
	decide := func(r *Request) error {
		switch {
		case r.ToID != approver:
			return errcode.FriendRequestNotFound.With("not a request to " + approver)
		case r.ApproveStatus != RequestPending:
			return errcode.FriendRequestHandled
		}
		r.ApproveStatus, r.ReadStatus, r.UpdateTime = status, 1, time.Now().UnixMilli()
		return nil
	}
	var add func(Request, *Pair) error
	if status == RequestApproved {
		// Approving is the recipient's explicit choice: blacklist flags
		// are left as they are.
		add = func(r Request, p *Pair) error {
			befriend(p, Item{Remark: r.Remark, AddSource: r.AddSource}, time.Now().UnixMilli())
			return nil
		}
	}
	r, p, err := s.store.DecideFriendRequest(ctx, appID, id, decide, add)
	if err != nil {
		return Request{}, err
	}
	pack := map[string]any{"id": r.ID, "status": r.ApproveStatus, "sequence": r.Sequence}
	s.toOwner(ctx, appID, approver, command.FriendRequestApprove, dev, pack)
	s.notify(ctx, notify.Event{AppID: appID, Command: command.FriendRequestApprove, To: []string{r.FromID}, Data: pack})
	if status == RequestApproved {
		s.invalidate(ctx, appID, r.FromID, r.ToID)
		// The requester is A: it gets its row on all devices, the approver
		// on its other devices.
		s.notify(ctx, notify.Event{AppID: appID, Command: command.FriendAdd, To: []string{r.FromID}, Data: p.AB})
		s.toOwner(ctx, appID, approver, command.FriendAdd, dev, p.BA)
		// WhaleShark's approval ran doAddFriend, which called friend.add.after.
		s.afterItem(ctx, appID, webhook.FriendAddAfter, r.FromID,
			Item{ToID: r.ToID, Remark: r.Remark, AddSource: r.AddSource})
	}
	return r, nil
}

// SyncRequests pages the requests owner sent or received.
func (s *Service) SyncRequests(ctx context.Context, appID uint32, owner string, last int64, limit int) (Page[Request], error) {
	if err := checkSync(owner, last, &limit); err != nil {
		return Page[Request]{}, err
	}
	return s.store.SyncFriendRequests(ctx, appID, owner, last, limit)
}
