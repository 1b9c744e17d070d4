package httpapi

import (
	"net/http"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/group"
)

// groupImport is WhaleShark's /v1/group/importGroup, app admin only and
// idempotent by groupId.
func (s *Server) groupImport(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q groupCreateReq
	return s.groupCall(w, r, c, &q, func(a group.Actor) (any, error) {
		if err := c.RequireAdmin(); err != nil {
			return nil, err
		}
		return s.svc.Groups.Import(r.Context(), c.App.ID, a, group.CreateRequest{Group: q.Group, Members: q.Member})
	})
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
func (s *Server) groupImportMembers(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q groupImportMembersReq
	return s.groupCall(w, r, c, &q, func(a group.Actor) (any, error) {
		if err := c.RequireAdmin(); err != nil {
			return nil, err
		}
		return s.svc.Groups.ImportMembers(r.Context(), c.App.ID, a, q.GroupID, q.Members)
	})
}
