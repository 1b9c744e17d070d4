package httpapi

import (
	"context"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/group"
)

// groupImport is WhaleShark's /v1/group/importGroup, app admin only and
// idempotent by groupId.
func (s *Server) groupImport(ctx context.Context, c *Caller, a group.Actor, q *groupCreateReq) (any, error) {
	if err := c.RequireAdmin(); err != nil {
		return nil, err
	}
	return s.svc.Groups.Import(ctx, c.App.ID, a, group.CreateRequest{Group: q.Group, Members: q.Member})
}

type groupImportMembersReq struct {
	groupIDReq
	Members []group.MemberInput `json:"members"`
}

func (q *groupImportMembersReq) validate() error {
	if len(q.Members) == 0 {
		return errcode.MissingField.With("members")
	}
	return q.groupIDReq.validate()
}

// groupImportMembers is WhaleShark's /v1/group/member/importGroupMember.
func (s *Server) groupImportMembers(ctx context.Context, c *Caller, a group.Actor, q *groupImportMembersReq) (any, error) {
	if err := c.RequireAdmin(); err != nil {
		return nil, err
	}
	return s.svc.Groups.ImportMembers(ctx, c.App.ID, a, q.GroupID, q.Members)
}
