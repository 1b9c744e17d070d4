package httpapi

import (
	"context"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/conversation"
	"github.com/whaleim/whaleim/im-domain/internal/user"
)

// ConversationService is what the conversation routes need
// (conversation.Service).
type ConversationService interface {
	List(ctx context.Context, appID uint32, owner string, offset, limit int) ([]conversation.Conversation, int64, error)
	Update(ctx context.Context, appID uint32, owner, conversationID string, p conversation.Patch, from *device.ID) (conversation.Conversation, error)
	Delete(ctx context.Context, appID uint32, owner, conversationID string, from *device.ID) error
	Open(ctx context.Context, appID uint32, owner, conversationID string, from *device.ID) (conversation.Conversation, error)
	Read(ctx context.Context, appID uint32, owner, conversationID string, seq int64, from *device.ID) (conversation.Conversation, error)
	UnreadCount(ctx context.Context, appID uint32, owner string) (conversation.Unread, error)
	Sync(ctx context.Context, appID uint32, owner string, lastSequence int64, maxLimit int) (conversation.Page, error)
}

// conversationRoutes: WhaleShark's ConversationController
// (/v1/conversation) plus list, read and unread count. Every call acts on
// the rows of one owner: fromId when given (the caller itself, or anyone for
// an admin), else the acting user.
func (s *Server) conversationRoutes() {
	s.api("POST /v1/conversation/getConversationList", acting(s, s.listConversations))
	s.api("POST /v1/conversation/updateConversation", acting(s, s.updateConversation))
	s.api("POST /v1/conversation/deleteConversation", acting(s, s.deleteConversation))
	s.api("POST /v1/conversation/openConversation", acting(s, s.openConversation))
	s.api("POST /v1/conversation/readConversation", acting(s, s.readConversation))
	s.api("POST /v1/conversation/getUnreadCount", acting(s, s.unreadCount))
	s.api("POST /v1/conversation/syncConversationList", acting(s, s.syncConversations))
}

// convOwnerReq names the owner of the rows a request acts on.
type convOwnerReq struct {
	base
	FromID string `json:"fromId"`
}

func (q *convOwnerReq) validate() error {
	if q.FromID != "" {
		return user.ValidID(q.FromID)
	}
	return nil
}

// acting checks the caller may act on the owner's rows and returns the
// owner.
func (q *convOwnerReq) acting(c *Caller) (string, error) {
	actor, err := q.actor(c)
	if err != nil || q.FromID == "" {
		return actor, err
	}
	return q.FromID, ownedBy(&q.base, c, q.FromID)
}

// from is the calling device, skipped by the owner's notifications.
func (q *convOwnerReq) from(c *Caller, owner string) *device.ID {
	return c.Device(owner, q.ClientType, q.IMEI)
}

type conversationReq struct {
	convOwnerReq
	ConversationID string `json:"conversationId"`
}

func (q *conversationReq) validate() error {
	if q.ConversationID == "" {
		return errcode.MissingField.With("conversationId")
	}
	return q.convOwnerReq.validate()
}

type listConversationsReq struct {
	convOwnerReq
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

type conversationList struct {
	Total    int64                       `json:"total"`
	DataList []conversation.Conversation `json:"dataList"`
}

func (s *Server) listConversations(ctx context.Context, c *Caller, owner string, q *listConversationsReq) (any, error) {
	list, total, err := s.svc.Conversations.List(ctx, c.App.ID, owner, q.Offset, q.Limit)
	if err != nil {
		return nil, err
	}
	return conversationList{Total: total, DataList: list}, nil
}

type updateConversationReq struct {
	conversationReq
	conversation.Patch
}

func (q *updateConversationReq) validate() error {
	if err := q.conversationReq.validate(); err != nil {
		return err
	}
	return q.Patch.Validate()
}

func (s *Server) updateConversation(ctx context.Context, c *Caller, owner string, q *updateConversationReq) (any, error) {
	return s.svc.Conversations.Update(ctx, c.App.ID, owner, q.ConversationID, q.Patch, q.from(c, owner))
}

func (s *Server) deleteConversation(ctx context.Context, c *Caller, owner string, q *conversationReq) (any, error) {
	return nil, s.svc.Conversations.Delete(ctx, c.App.ID, owner, q.ConversationID, q.from(c, owner))
}

// openConversation creates the owner's row before the first message.
func (s *Server) openConversation(ctx context.Context, c *Caller, owner string, q *conversationReq) (any, error) {
	return s.svc.Conversations.Open(ctx, c.App.ID, owner, q.ConversationID, q.from(c, owner))
}

type readConversationReq struct {
	conversationReq
	ReadSequence *int64 `json:"readSequence"`
}

func (q *readConversationReq) validate() error {
	if q.ReadSequence == nil || *q.ReadSequence < 0 {
		return errcode.MissingField.With("readSequence: a message seq >= 0")
	}
	return q.conversationReq.validate()
}

func (s *Server) readConversation(ctx context.Context, c *Caller, owner string, q *readConversationReq) (any, error) {
	return s.svc.Conversations.Read(ctx, c.App.ID, owner, q.ConversationID, *q.ReadSequence, q.from(c, owner))
}

func (s *Server) unreadCount(ctx context.Context, c *Caller, owner string, _ *convOwnerReq) (any, error) {
	return s.svc.Conversations.UnreadCount(ctx, c.App.ID, owner)
}

// convSyncReq is WhaleShark's SyncReq.
type convSyncReq struct {
	convOwnerReq
	LastSequence *int64 `json:"lastSequence"`
	MaxLimit     int    `json:"maxLimit"`
}

func (q *convSyncReq) validate() error {
	if q.LastSequence == nil || *q.LastSequence < 0 {
		return errcode.MissingField.With("lastSequence >= 0")
	}
	if q.MaxLimit < 0 {
		return errcode.MissingField.With("maxLimit >= 0")
	}
	return q.convOwnerReq.validate()
}

func (s *Server) syncConversations(ctx context.Context, c *Caller, owner string, q *convSyncReq) (any, error) {
	return s.svc.Conversations.Sync(ctx, c.App.ID, owner, *q.LastSequence, q.MaxLimit)
}
