package message

import (
	"context"

	"github.com/whaleim/whaleim/im-common/errcode"
)

// check applies the send rules; for a group send it returns the members
// (fan-out). Errors carrying a client code are refusals; anything else is a
// transient failure of a dependency.
func (s *Service) check(ctx context.Context, in *Send) ([]string, error) {
	sender, err := s.d.Users.One(ctx, in.AppID, in.FromID)
	if err != nil {
		return nil, err
	}
	switch {
	case sender.Forbidden == 1:
		return nil, errcode.UserForbidden
	case sender.Silent == 1:
		return nil, errcode.UserMuted
	}
	if in.Group {
		g, err := s.groupCheck(ctx, in.AppID, in.Msg.GroupID, in.FromID)
		return g.Members, err
	}
	return nil, s.p2pCheck(ctx, in)
}

func (s *Service) p2pCheck(ctx context.Context, in *Send) error {
	if _, err := s.d.Users.One(ctx, in.AppID, in.Msg.ToID); err != nil {
		return err
	}
	a, err := s.d.Apps.App(ctx, in.AppID)
	if err != nil {
		return err
	}
	set := a.Settings
	if s.d.Friends == nil || (!set.FriendCheckOnSend && !set.BlacklistCheckOnSend) {
		return nil
	}
	r, err := s.d.Friends.Relation(ctx, in.AppID, in.FromID, in.Msg.ToID)
	switch {
	case err != nil:
		return err
	case set.BlacklistCheckOnSend && r.Blocked:
		return errcode.Blocked
	case set.FriendCheckOnSend && !r.Friends:
		return errcode.NotFriends
	}
	return nil
}

// groupCheck returns the group when userID may speak in it.
func (s *Service) groupCheck(ctx context.Context, appID uint32, groupID, userID string) (Group, error) {
	g, err := s.member(ctx, appID, groupID, userID)
	if err != nil {
		return g, err
	}
	m := g.Member
	switch {
	case g.Muted && m.Role == RoleMember:
		return g, errcode.GroupMuted
	case s.now().Before(m.MutedUntil):
		return g, errcode.MemberMuted
	}
	return g, nil
}

// member returns the group when userID is a member of a live group.
func (s *Service) member(ctx context.Context, appID uint32, groupID, userID string) (Group, error) {
	if s.d.Groups == nil {
		return Group{}, errcode.GroupNotFound.With("groups are not available")
	}
	g, err := s.d.Groups.Group(ctx, appID, groupID, userID)
	switch {
	case err != nil:
		return g, err
	case !g.Found:
		return g, errcode.GroupNotFound
	case g.Destroyed:
		return g, errcode.GroupDestroyed
	case g.Member == nil:
		return g, errcode.NotGroupMember
	}
	return g, nil
}
