package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/ident"
	"github.com/whaleim/whaleim/im-domain/internal/message"
)

// MessageService is what the message routes need (message.Service).
type MessageService interface {
	Send(ctx context.Context, in message.Send) (payload.AckData, error)
	MaxSeqs(ctx context.Context, appID uint32, userID string) ([]message.ConversationSeq, error)
	Pull(ctx context.Context, appID uint32, userID, conversation string, lastSeq int64, limit int) (message.Page, error)
	History(ctx context.Context, appID uint32, userID, conversation string, before int64, limit int) ([]message.View, error)
	Offline(ctx context.Context, appID uint32, userID string, last map[string]int64, limit int) ([]message.Page, error)
	ReadBy(ctx context.Context, appID uint32, userID, groupID string, seq int64) (int, int, error)
	DeleteForMe(ctx context.Context, appID uint32, userID, conversation string, seqs []int64) error
	ClearHistory(ctx context.Context, appID uint32, userID, conversation string, upTo int64) (int64, error)
}

// messageRoutes: the back-office send (the same pipeline as a client send)
// and the history and sync queries. A user reads only conversations it
// belongs to now.
func (s *Server) messageRoutes() {
	s.api("POST /v1/message/send", adminOnly(s, s.sendMessage))
	s.api("POST /v1/message/getMaxSequences", acting(s, s.maxSequences))
	s.api("POST /v1/message/pull", acting(s, s.pullMessages))
	s.api("POST /v1/message/history", acting(s, s.messageHistory))
	s.api("POST /v1/message/syncOffline", acting(s, s.syncOffline))
	s.api("POST /v1/message/groupReadCount", acting(s, s.groupReadCount))
	s.api("POST /v1/message/deleteForMe", acting(s, s.deleteForMe))
	s.api("POST /v1/message/clearHistory", acting(s, s.clearHistory))
}

type sendReq struct {
	base
	FromID      string `json:"fromId"`
	ToID        string `json:"toId"`
	GroupID     string `json:"groupId"`
	MessageID   string `json:"messageId"`
	MessageBody string `json:"messageBody"`
	Extra       string `json:"extra"`
}

func (q *sendReq) validate() error {
	switch {
	case ident.ValidID(q.FromID) != nil:
		return ident.Check("fromId", q.FromID)
	case (q.ToID == "") == (q.GroupID == ""):
		return errcode.MissingField.With("exactly one of toId and groupId")
	}
	return nil
}

// sendMessage is admin-only. Without a messageId one is generated; with
// one, a repeated call is deduplicated like a client resend.
func (s *Server) sendMessage(ctx context.Context, c *Caller, _ string, q *sendReq) (any, error) {
	if q.MessageID == "" {
		q.MessageID = newMessageID()
	}
	return s.svc.Messages.Send(ctx, message.Send{AppID: c.App.ID, FromID: q.FromID, Group: q.GroupID != "",
		Msg: payload.Message{MessageID: q.MessageID, ToID: q.ToID, GroupID: q.GroupID, MessageBody: q.MessageBody, Extra: q.Extra}})
}

func newMessageID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type userReq struct {
	base
	UserID string `json:"userId"`
}

func (q *userReq) validate() error {
	if q.UserID == "" {
		return nil // the caller itself
	}
	return ident.Check("userId", q.UserID)
}

// acting returns the user a read request is about: userId, else the operator.
func (q *userReq) acting(c *Caller) (string, error) {
	u, err := q.actor(c)
	if err != nil || q.UserID == "" {
		return u, err
	}
	return q.UserID, c.Owns(q.UserID)
}

func (s *Server) maxSequences(ctx context.Context, c *Caller, u string, _ *userReq) (any, error) {
	return s.svc.Messages.MaxSeqs(ctx, c.App.ID, u)
}

type convReq struct {
	userReq
	ConversationID string `json:"conversationId"`
	LastSequence   int64  `json:"lastSequence"`
	BeforeSequence int64  `json:"beforeSequence"`
	MaxLimit       int    `json:"maxLimit"`
}

func (q *convReq) validate() error {
	switch {
	case q.ConversationID == "":
		return errcode.MissingField.With("conversationId")
	case q.LastSequence < 0 || q.BeforeSequence < 0 || q.MaxLimit < 0:
		return errcode.MissingField.With("sequences and maxLimit must not be negative")
	}
	return q.userReq.validate()
}

func (s *Server) pullMessages(ctx context.Context, c *Caller, u string, q *convReq) (any, error) {
	return s.svc.Messages.Pull(ctx, c.App.ID, u, q.ConversationID, q.LastSequence, q.MaxLimit)
}

func (s *Server) messageHistory(ctx context.Context, c *Caller, u string, q *convReq) (any, error) {
	return s.svc.Messages.History(ctx, c.App.ID, u, q.ConversationID, q.BeforeSequence, q.MaxLimit)
}

type offlineReq struct {
	userReq
	Conversations map[string]int64 `json:"conversations"`
	MaxLimit      int              `json:"maxLimit"`
}

func (q *offlineReq) validate() error {
	if len(q.Conversations) > 1000 {
		return errcode.BatchTooLarge.With("conversations: at most 1000")
	}
	return q.userReq.validate()
}

func (s *Server) syncOffline(ctx context.Context, c *Caller, u string, q *offlineReq) (any, error) {
	return s.svc.Messages.Offline(ctx, c.App.ID, u, q.Conversations, q.MaxLimit)
}

type readCountReq struct {
	userReq
	GroupID         string `json:"groupId"`
	MessageSequence int64  `json:"messageSequence"`
}

func (q *readCountReq) validate() error {
	if q.GroupID == "" || q.MessageSequence <= 0 {
		return errcode.MissingField.With("groupId and messageSequence")
	}
	if err := ident.Check("groupId", q.GroupID); err != nil {
		return err
	}
	return q.userReq.validate()
}

// groupReadCount answers "read by N of M" for a group message.
func (s *Server) groupReadCount(ctx context.Context, c *Caller, u string, q *readCountReq) (any, error) {
	n, m, err := s.svc.Messages.ReadBy(ctx, c.App.ID, u, q.GroupID, q.MessageSequence)
	return map[string]int{"readCount": n, "memberCount": m}, err
}

type deleteReq struct {
	userReq
	ConversationID   string  `json:"conversationId"`
	MessageSequences []int64 `json:"messageSequences"`
}

func (q *deleteReq) validate() error {
	if q.ConversationID == "" {
		return errcode.MissingField.With("conversationId")
	}
	return q.userReq.validate()
}

// deleteForMe hides messages from the acting user only.
func (s *Server) deleteForMe(ctx context.Context, c *Caller, u string, q *deleteReq) (any, error) {
	err := s.svc.Messages.DeleteForMe(ctx, c.App.ID, u, q.ConversationID, q.MessageSequences)
	return map[string]any{"conversationId": q.ConversationID, "messageSequences": q.MessageSequences}, err
}

type clearReq struct {
	userReq
	ConversationID  string `json:"conversationId"`
	ClearedSequence int64  `json:"clearedSequence"`
}

func (q *clearReq) validate() error {
	if q.ConversationID == "" {
		return errcode.MissingField.With("conversationId")
	}
	return q.userReq.validate()
}

// clearHistory hides a conversation's history up to clearedSequence (0:
// all of it) from the acting user only.
func (s *Server) clearHistory(ctx context.Context, c *Caller, u string, q *clearReq) (any, error) {
	seq, err := s.svc.Messages.ClearHistory(ctx, c.App.ID, u, q.ConversationID, q.ClearedSequence)
	return map[string]any{"conversationId": q.ConversationID, "clearedSequence": seq}, err
}
