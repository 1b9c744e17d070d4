package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/errcode"
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
}

// messageRoutes: the back-office send (the same pipeline as a client send)
// and the history and sync queries. A user reads only conversations it
// belongs to now.
func (s *Server) messageRoutes() {
	s.api("POST /v1/message/send", s.sendMessage)
	s.api("POST /v1/message/getMaxSequences", s.maxSequences)
	s.api("POST /v1/message/pull", s.pullMessages)
	s.api("POST /v1/message/history", s.messageHistory)
	s.api("POST /v1/message/syncOffline", s.syncOffline)
	s.api("POST /v1/message/groupReadCount", s.groupReadCount)
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
	case q.FromID == "":
		return errcode.MissingField.With("fromId")
	case (q.ToID == "") == (q.GroupID == ""):
		return errcode.MissingField.With("exactly one of toId and groupId")
	}
	return nil
}

// sendMessage is admin-only. Without a messageId one is generated; with
// one, a repeated call is deduplicated like a client resend.
func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q sendReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	if _, err := q.actor(c); err != nil {
		return nil, err
	}
	if err := c.RequireAdmin(); err != nil {
		return nil, err
	}
	if q.MessageID == "" {
		q.MessageID = newMessageID()
	}
	return s.svc.Messages.Send(r.Context(), message.Send{AppID: c.App.ID, FromID: q.FromID, Group: q.GroupID != "",
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

func (q *userReq) validate() error { return nil }

// who returns the user a read request is about: userId, else the operator.
func (q *userReq) who(c *Caller) (string, error) {
	u, err := q.actor(c)
	if err != nil || q.UserID == "" {
		return u, err
	}
	return q.UserID, c.Owns(q.UserID)
}

func (s *Server) maxSequences(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q userReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	u, err := q.who(c)
	if err != nil {
		return nil, err
	}
	return s.svc.Messages.MaxSeqs(r.Context(), c.App.ID, u)
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
	return nil
}

func (s *Server) pullMessages(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q convReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	u, err := q.who(c)
	if err != nil {
		return nil, err
	}
	return s.svc.Messages.Pull(r.Context(), c.App.ID, u, q.ConversationID, q.LastSequence, q.MaxLimit)
}

func (s *Server) messageHistory(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q convReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	u, err := q.who(c)
	if err != nil {
		return nil, err
	}
	return s.svc.Messages.History(r.Context(), c.App.ID, u, q.ConversationID, q.BeforeSequence, q.MaxLimit)
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
	return nil
}

func (s *Server) syncOffline(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q offlineReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	u, err := q.who(c)
	if err != nil {
		return nil, err
	}
	return s.svc.Messages.Offline(r.Context(), c.App.ID, u, q.Conversations, q.MaxLimit)
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
	return nil
}

// groupReadCount answers "read by N of M" for a group message.
func (s *Server) groupReadCount(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
	var q readCountReq
	if err := s.decode(w, r, &q); err != nil {
		return nil, err
	}
	u, err := q.who(c)
	if err != nil {
		return nil, err
	}
	n, m, err := s.svc.Messages.ReadBy(r.Context(), c.App.ID, u, q.GroupID, q.MessageSequence)
	return map[string]int{"readCount": n, "memberCount": m}, err
}
