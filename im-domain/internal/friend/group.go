package friend

import (
	"context"
	"slices"
	"unicode/utf8"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
)

// Group is a friend group (a tag) of its owner FromID. Members are stored
// one row per (group, member): WhaleShark keyed the member table on the
// group alone, so a group held one member. A deleted group is a tombstone
// (DelFlag 1, no members) with a new sequence.
type Group struct {
	GroupID    int64    `json:"groupId"`
	FromID     string   `json:"fromId"`
	GroupName  string   `json:"groupName"`
	ToIDs      []string `json:"toIds"`
	DelFlag    int      `json:"delFlag"`
	Sequence   int64    `json:"sequence"`
	CreateTime int64    `json:"createTime"`
	UpdateTime int64    `json:"updateTime"`
}

// Groups persists friend groups (mariadb.DB). Changes mark the owner's
// friendShipGroupSeq.
type Groups interface {
	// CreateFriendGroup creates (or revives a deleted) group with members;
	// FriendGroupExists when a live one has the name.
	CreateFriendGroup(ctx context.Context, appID uint32, from, name string, members []string) (Group, error)
	// DeleteFriendGroups deletes live groups by name, each with a new sequence;
	// FriendGroupNotFound (nothing changed) when one is not live.
	DeleteFriendGroups(ctx context.Context, appID uint32, from string, names []string) ([]Group, error)
	// UpdateFriendGroupMembers locks a live group, replaces its members with
	// fn(current) and bumps its sequence if they changed.
	UpdateFriendGroupMembers(ctx context.Context, appID uint32, from, name string, fn func(members []string) []string) (Group, error)
	SyncFriendGroups(ctx context.Context, appID uint32, owner string, last int64, limit int) (Page[Group], error)
}

func validGroupName(name string) error {
	if name == "" || utf8.RuneCountInString(name) > 64 {
		return errcode.MissingField.With("groupName: 1..64 characters")
	}
	return nil
}

// friendsAmong splits ids into from's live friends and the others.
func (s *Service) friendsAmong(ctx context.Context, appID uint32, from string, ids []string) (friends, others []string, err error) {
	out, _, err := s.store.FriendEdges(ctx, appID, from, ids)
	if err != nil {
		return nil, nil, err
	}
	friends, others = []string{}, []string{}
	for _, id := range ids {
		if out[id].Friend() && !slices.Contains(friends, id) {
			friends = append(friends, id)
		} else if !out[id].Friend() && !slices.Contains(others, id) {
			others = append(others, id)
		}
	}
	return friends, others, nil
}

// CreateGroup creates from's group name holding those of toIDs that are
// from's friends (the others are dropped). 3012 FRIEND_GROUP_ADD with the
// group goes to from's other devices, also when members were given
// (WhaleShark returned early and sent nothing then).
func (s *Service) CreateGroup(ctx context.Context, appID uint32, from, name string, toIDs []string, dev *device.ID) (Group, error) {
	if err := ValidID(from); err != nil {
		return Group{}, err
	}
	if err := validGroupName(name); err != nil {
		return Group{}, err
	}
	members := []string{}
	if len(toIDs) > 0 {
		if err := checkIDs(from, toIDs); err != nil {
			return Group{}, err
		}
		var err error
		if members, _, err = s.friendsAmong(ctx, appID, from, toIDs); err != nil {
			return Group{}, err
		}
	}
	g, err := s.store.CreateFriendGroup(ctx, appID, from, name, members)
	if err != nil {
		return Group{}, err
	}
	s.toOwner(ctx, appID, from, command.FriendGroupAdd, dev, g)
	return g, nil
}

// DeleteGroups deletes from's groups by name (all or none) and pushes one
// 3013 FRIEND_GROUP_DELETE per group to from's other devices.
func (s *Service) DeleteGroups(ctx context.Context, appID uint32, from string, names []string, dev *device.ID) ([]Group, error) {
	if err := ValidID(from); err != nil {
		return nil, err
	}
	if len(names) == 0 || len(names) > MaxBatch {
		return nil, errcode.MissingField.With("groupName: 1..100 names")
	}
	for _, n := range names {
		if err := validGroupName(n); err != nil {
			return nil, err
		}
	}
	gs, err := s.store.DeleteFriendGroups(ctx, appID, from, names)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		s.toOwner(ctx, appID, from, command.FriendGroupDelete, dev,
			map[string]any{"fromId": from, "groupName": g.GroupName, "sequence": g.Sequence})
	}
	return gs, nil
}

// AddGroupMembers adds those of toIDs that are from's friends to the
// group (errorId lists the others) and pushes 3014 to from's other devices.
func (s *Service) AddGroupMembers(ctx context.Context, appID uint32, from, name string, toIDs []string, dev *device.ID) (Result, error) {
	if err := checkIDs(from, toIDs); err != nil {
		return Result{}, err
	}
	if err := validGroupName(name); err != nil {
		return Result{}, err
	}
	friends, others, err := s.friendsAmong(ctx, appID, from, toIDs)
	if err != nil {
		return Result{}, err
	}
	g, err := s.store.UpdateFriendGroupMembers(ctx, appID, from, name, func(cur []string) []string {
		for _, id := range friends {
			if !slices.Contains(cur, id) {
				cur = append(cur, id)
			}
		}
		return cur
	})
	if err != nil {
		return Result{}, err
	}
	s.toOwner(ctx, appID, from, command.FriendGroupMemberAdd, dev, memberPack(g, friends))
	return Result{SuccessID: friends, ErrorID: others}, nil
}

// RemoveGroupMembers removes toIDs from the group (errorId lists those
// that were not members) and pushes 3015 to from's other devices.
func (s *Service) RemoveGroupMembers(ctx context.Context, appID uint32, from, name string, toIDs []string, dev *device.ID) (Result, error) {
	if err := checkIDs(from, toIDs); err != nil {
		return Result{}, err
	}
	if err := validGroupName(name); err != nil {
		return Result{}, err
	}
	res := Result{SuccessID: []string{}, ErrorID: []string{}}
	g, err := s.store.UpdateFriendGroupMembers(ctx, appID, from, name, func(cur []string) []string {
		res = Result{SuccessID: []string{}, ErrorID: []string{}} // fn may be retried
		for _, id := range toIDs {
			if i := slices.Index(cur, id); i >= 0 {
				cur = slices.Delete(cur, i, i+1)
				res.SuccessID = append(res.SuccessID, id)
			} else if !slices.Contains(res.SuccessID, id) && !slices.Contains(res.ErrorID, id) {
				res.ErrorID = append(res.ErrorID, id)
			}
		}
		return cur
	})
	if err != nil {
		return Result{}, err
	}
	s.toOwner(ctx, appID, from, command.FriendGroupMemberDelete, dev, memberPack(g, res.SuccessID))
	return res, nil
}

func memberPack(g Group, ids []string) map[string]any {
	return map[string]any{"fromId": g.FromID, "groupName": g.GroupName, "toIds": ids, "sequence": g.Sequence}
}

// SyncGroups pages owner's friend groups (with members; tombstones for
// deleted ones).
func (s *Service) SyncGroups(ctx context.Context, appID uint32, owner string, last int64, limit int) (Page[Group], error) {
	if err := checkSync(owner, last, &limit); err != nil {
		return Page[Group]{}, err
	}
	return s.store.SyncFriendGroups(ctx, appID, owner, last, limit)
}
