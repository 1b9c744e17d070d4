package domain

import (
	"context"
	"time"

	"github.com/whaleim/whaleim/im-domain/internal/group"
	"github.com/whaleim/whaleim/im-domain/internal/message"
)

// groupChecker adapts group.Service (cached membership) to the message
// core's GroupChecker port.
type groupChecker struct{ g *group.Service }

var _ message.GroupChecker = groupChecker{}

// Group implements message.GroupChecker from the group's cached view.
func (c groupChecker) Group(ctx context.Context, appID uint32, groupID, userID string) (message.Group, error) {
	v, err := c.g.View(ctx, appID, groupID, userID)
	if err != nil {
		return message.Group{}, err
	}
	out := message.Group{Found: v.Found, Destroyed: v.Destroyed, Muted: v.Muted, Members: v.Members}
	if v.Member != nil {
		m := &message.Member{Role: message.Role(v.Member.Role)}
		if v.Member.SpeakDate > 0 {
			m.MutedUntil = time.UnixMilli(v.Member.SpeakDate)
		}
		out.Member = m
	}
	return out, nil
}

// Joined implements message.GroupChecker.
func (c groupChecker) Joined(ctx context.Context, appID uint32, userID string) ([]string, error) {
	return c.g.JoinedIDs(ctx, appID, userID)
}
