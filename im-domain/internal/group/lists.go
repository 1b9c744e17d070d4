package group

import (
	"context"

	"github.com/whaleim/whaleim/im-common/errcode"
)

// JoinedPage is one page of getJoinedGroup.
type JoinedPage struct {
	TotalCount int64   `json:"totalCount"`
	GroupList  []Group `json:"groupList"`
}

// Joined pages the live groups userID is a member of (WhaleShark listed
// groups the member had left too), newest first; types filters by group
// type when not empty. limit defaults to and is capped at 100.
func (s *Service) Joined(ctx context.Context, appID uint32, userID string, types []Type, limit, offset int) (JoinedPage, error) {
	if err := ValidID("memberId", userID); err != nil {
		return JoinedPage{}, err
	}
	for _, t := range types {
		if t != Private && t != Public {
			return JoinedPage{}, errcode.MissingField.With("groupType: 1 or 2")
		}
	}
	if offset < 0 || limit < 0 {
		return JoinedPage{}, errcode.MissingField.With("limit, offset: not negative")
	}
	if limit == 0 || limit > syncLimit {
		limit = syncLimit
	}
	groups, total, err := s.store.JoinedGroups(ctx, appID, userID, types, limit, offset)
	if groups == nil {
		groups = []Group{}
	}
	return JoinedPage{TotalCount: total, GroupList: groups}, err
}

// JoinedGroup is one row of the joined-group sync. Deleted marks a
// tombstone (the user left or was removed, or the group was destroyed):
// the client drops the group; only groupId, sequence, status, role and
// deleted are filled then.
type JoinedGroup struct {
	Group
	Role    Role `json:"role"`
	Deleted bool `json:"deleted"`
}

// SyncPage is the incremental sync answer.
type SyncPage struct {
	MaxSequence int64         `json:"maxSequence"`
	Completed   bool          `json:"completed"`
	DataList    []JoinedGroup `json:"dataList"`
}

// Sync returns userID's joined-group changes after last (rows ordered by
// sequence, at most maxLimit, capped at 100). Every change to a group
// stamps the row of each member with the change's sequence, so a client
// that pages until completed holds the server state: live groups with
// their profile and the user's role, and tombstones for the rest.
func (s *Service) Sync(ctx context.Context, appID uint32, userID string, last int64, maxLimit int) (SyncPage, error) {
	if err := ValidID("operater", userID); err != nil {
		return SyncPage{}, err
	}
	if last < 0 || maxLimit < 0 {
		return SyncPage{}, errcode.MissingField.With("lastSequence, maxLimit: not negative")
	}
	if maxLimit == 0 || maxLimit > syncLimit {
		maxLimit = syncLimit
	}
	rows, maxSeq, err := s.store.SyncJoinedGroups(ctx, appID, userID, last, maxLimit)
	if err != nil {
		return SyncPage{}, err
	}
	page := SyncPage{MaxSequence: maxSeq, DataList: make([]JoinedGroup, len(rows))}
	for i, r := range rows {
		page.DataList[i] = joined(r)
	}
	page.Completed = len(rows) < maxLimit || rows[len(rows)-1].Group.Sequence >= maxSeq
	return page, nil
}

func joined(r SyncRow) JoinedGroup {
	if r.Role.Current() && r.Group.Status != StatusDestroyed {
		return JoinedGroup{Group: r.Group, Role: r.Role}
	}
	g := Group{ID: r.Group.ID, Sequence: r.Group.Sequence, Status: r.Group.Status, Type: r.Group.Type}
	return JoinedGroup{Group: g, Role: r.Role, Deleted: true}
}
