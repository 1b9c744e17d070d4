package group

import (
	"context"
	"encoding/json"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/webhook"
)

// Callbacks calls the app back-end (webhook.Client): Before may veto
// (errcode.CallbackVeto) or, for group.member.add.before, return a
// replacement member list; After never blocks.
type Callbacks interface {
	Before(ctx context.Context, appID uint32, event string, payload any) (json.RawMessage, error)
	After(ctx context.Context, appID uint32, event string, payload any)
}

// membersEvent is the payload of group.member.add.before/after.
type membersEvent struct {
	GroupID  string   `json:"groupId"`
	Operater string   `json:"operater"`
	Members  []string `json:"members"`
	JoinType string   `json:"joinType"`
}

// memberEvent is the payload of group.member.delete.after.
type memberEvent struct {
	GroupID  string `json:"groupId"`
	Operater string `json:"operater"`
	MemberID string `json:"memberId"`
}

// after queues one after-callback.
func (s *Service) after(ctx context.Context, appID uint32, event string, payload any) {
	s.callbacks.After(ctx, appID, event, payload)
}

// rewriteMembers runs group.member.add.before on ids: a veto is returned,
// and a reply with data replaces the list (validated like the request;
// empty adds nobody).
func (s *Service) rewriteMembers(ctx context.Context, appID uint32, a Actor, groupID string, ids []string) ([]string, error) {
	ev := membersEvent{GroupID: groupID, Operater: a.UserID, Members: ids, JoinType: JoinedByInvite}
	data, err := s.callbacks.Before(ctx, appID, webhook.GroupMemberAddBefore, ev)
	if err != nil || data == nil {
		return ids, err
	}
	out, err := parseMembers(data)
	if err != nil {
		return nil, errcode.Unavailable.With("group.member.add.before: unreadable member list: " + err.Error())
	}
	if len(out) == 0 {
		return nil, nil
	}
	return checkBatch(out)
}

// parseMembers reads a rewritten list: user ids, or objects with a
// memberId (WhaleShark's GroupMemberDto).
func parseMembers(data json.RawMessage) ([]string, error) {
	var ids []string
	if err := json.Unmarshal(data, &ids); err == nil {
		return ids, nil
	}
	var dtos []struct {
		MemberID string `json:"memberId"`
	}
	if err := json.Unmarshal(data, &dtos); err != nil {
		return nil, err
	}
	ids = make([]string, len(dtos))
	for i, d := range dtos {
		ids[i] = d.MemberID
	}
	return ids, nil
}
