package message

import (
	"context"
	"sort"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
)

// MaxLimit caps every page of messages.
const MaxLimit = 100

// View is a message as the history and sync APIs return it. A recalled
// message keeps its place (seq) but not its body.
type View struct {
	ConversationID  string `json:"conversationId"`
	FromID          string `json:"fromId"`
	ToID            string `json:"toId,omitempty"`
	GroupID         string `json:"groupId,omitempty"`
	MessageID       string `json:"messageId"`
	MessageKey      int64  `json:"messageKey"`
	MessageSequence int64  `json:"messageSequence"`
	MessageBody     string `json:"messageBody"`
	Extra           string `json:"extra,omitempty"`
	MessageTime     int64  `json:"messageTime"`
	Recalled        bool   `json:"recalled,omitempty"`
	EditedAt        int64  `json:"editedAt,omitempty"` // unix ms of the latest edit; the body is the edited one
}

func view(m mq.Message) View {
	v := View{ConversationID: m.ConversationID, FromID: m.FromID, ToID: m.ToID, GroupID: m.GroupID,
		MessageID: m.MessageID, MessageKey: m.MessageKey, MessageSequence: m.Seq, MessageBody: m.Body,
		Extra: m.Extra, MessageTime: m.Time, Recalled: m.Recalled, EditedAt: m.Edited}
	if m.Recalled {
		v.MessageBody, v.Extra = "", ""
	}
	return v
}

// ConversationSeq is a user's position in one conversation.
type ConversationSeq struct {
	UserConversation
	MaxSequence int64 `json:"maxSequence"`
}

// Page is one answer of the incremental sync contract.
type Page struct {
	ConversationID string `json:"conversationId"`
	MaxSequence    int64  `json:"maxSequence"`
	Completed      bool   `json:"completed"`
	DataList       []View `json:"dataList"`
}

// MaxSeqs lists every conversation of userID (1:1 conversations with any
// message, and the groups the user belongs to now) with its highest seq
// and the user's cursors.
func (s *Service) MaxSeqs(ctx context.Context, appID uint32, userID string) ([]ConversationSeq, error) {
	cursors, err := s.d.Store.Cursors(ctx, appID, userID)
	if err != nil {
		return nil, err
	}
	mine := map[string]UserConversation{}
	for _, c := range cursors {
		if kind, _, _ := mq.ParseConversation(c.Conversation); kind == mq.P2P {
			mine[c.Conversation] = c
		}
	}
	if s.d.Groups != nil {
		groups, err := s.d.Groups.Joined(ctx, appID, userID)
		if err != nil {
			return nil, err
		}
		byConv := map[string]UserConversation{}
		for _, c := range cursors {
			byConv[c.Conversation] = c
		}
		for _, g := range groups {
			conv := mq.GroupConversation(g)
			c := byConv[conv]
			c.Conversation = conv
			mine[conv] = c
		}
	}
	if err := s.withRead(ctx, appID, userID, mine); err != nil {
		return nil, err
	}
	return s.withMax(ctx, appID, mine)
}

// withRead fills in the read positions, kept by the conversation rows.
func (s *Service) withRead(ctx context.Context, appID uint32, userID string, mine map[string]UserConversation) error {
	if s.d.Conversations == nil {
		return nil
	}
	read, err := s.d.Conversations.ReadSeqs(ctx, appID, userID)
	if err != nil {
		return err
	}
	for conv, c := range mine {
		c.ReadSeq = read[conv]
		mine[conv] = c
	}
	return nil
}

func (s *Service) withMax(ctx context.Context, appID uint32, mine map[string]UserConversation) ([]ConversationSeq, error) {
	convs := make([]string, 0, len(mine))
	for c := range mine {
		convs = append(convs, c)
	}
	sort.Strings(convs)
	maxes, err := s.storedMaxSeqs(ctx, appID, convs)
	if err != nil {
		return nil, err
	}
	out := make([]ConversationSeq, 0, len(convs))
	for _, c := range convs {
		out = append(out, ConversationSeq{UserConversation: mine[c], MaxSequence: maxes[c]})
	}
	return out, nil
}

// Pull returns the messages of conversation after lastSeq, ascending.
func (s *Service) Pull(ctx context.Context, appID uint32, userID, conversation string, lastSeq int64, limit int) (Page, error) {
	cleared, err := s.access(ctx, appID, userID, conversation)
	if err != nil {
		return Page{}, err
	}
	return s.page(ctx, appID, userID, conversation, max(lastSeq, cleared), clampLimit(limit))
}

// page is userID's page of conversation after seq after: the messages it
// deleted for itself are left out (Completed still counts them).
func (s *Service) page(ctx context.Context, appID uint32, userID, conversation string, after int64, limit int) (Page, error) {
	maxes, err := s.storedMaxSeqs(ctx, appID, []string{conversation})
	if err != nil {
		return Page{}, err
	}
	p := Page{ConversationID: conversation, MaxSequence: maxes[conversation], DataList: []View{}}
	msgs, err := s.d.Store.Range(ctx, appID, conversation, after, p.MaxSequence, limit)
	if err != nil {
		return Page{}, err
	}
	hidden, err := s.hidden(ctx, appID, userID, conversation, msgs)
	if err != nil {
		return Page{}, err
	}
	for _, m := range msgs {
		if !hidden[m.Seq] {
			p.DataList = append(p.DataList, view(m))
		}
	}
	p.Completed = len(msgs) < limit || (len(msgs) > 0 && msgs[len(msgs)-1].Seq >= p.MaxSequence)
	return p, nil
}

// History pages a conversation backwards: messages with seq < before
// (0: from the newest), newest first.
func (s *Service) History(ctx context.Context, appID uint32, userID, conversation string, before int64, limit int) ([]View, error) {
	cleared, err := s.access(ctx, appID, userID, conversation)
	if err != nil {
		return nil, err
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	msgs, err := s.d.Store.Before(ctx, appID, conversation, before, clampLimit(limit))
	if err != nil {
		return nil, err
	}
	hidden, err := s.hidden(ctx, appID, userID, conversation, msgs)
	if err != nil {
		return nil, err
	}
	out := []View{}
	for _, m := range msgs {
		if m.Seq > cleared && !hidden[m.Seq] {
			out = append(out, view(m))
		}
	}
	return out, nil
}

// Offline returns, for every conversation of userID whose max seq is past
// the client's last seq, the first page after it. Conversations the client
// does not list start from the user's delivery cursor.
func (s *Service) Offline(ctx context.Context, appID uint32, userID string, last map[string]int64, limit int) ([]Page, error) {
	convs, err := s.MaxSeqs(ctx, appID, userID)
	if err != nil {
		return nil, err
	}
	out := []Page{}
	for _, c := range convs {
		since, ok := last[c.Conversation]
		if !ok {
			since = c.ReceiveSeq
		}
		since = max(since, c.ClearedSeq)
		if c.MaxSequence <= since {
			continue
		}
		p, err := s.page(ctx, appID, userID, c.Conversation, since, clampLimit(limit))
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// access checks that userID belongs to conversation now and returns the
// user's cleared mark.
func (s *Service) access(ctx context.Context, appID uint32, userID, conversation string) (int64, error) {
	kind, rest, ok := mq.ParseConversation(conversation)
	switch {
	case !ok:
		return 0, errcode.MissingField.With("conversationId: p2p:{a}:{b} or group:{groupId}")
	case kind == mq.Group:
		if _, err := s.member(ctx, appID, rest, userID); err != nil {
			return 0, errcode.ConversationDenied.With(err.Error())
		}
	default:
		if _, ok := mq.P2PPeer(conversation, userID); !ok {
			return 0, errcode.ConversationDenied
		}
	}
	cursors, err := s.d.Store.Cursors(ctx, appID, userID)
	if err != nil {
		return 0, err
	}
	for _, c := range cursors {
		if c.Conversation == conversation {
			return c.ClearedSeq, nil
		}
	}
	return 0, nil
}

func clampLimit(n int) int {
	if n <= 0 || n > MaxLimit {
		return MaxLimit
	}
	return n
}
