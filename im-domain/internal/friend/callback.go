package friend

import (
	"context"
	"encoding/json"

	"github.com/whaleim/whaleim/im-domain/internal/webhook"
)

// Callbacks calls the app back-end (webhook.Client): Before may veto
// (errcode.CallbackVeto) and blocks; After never blocks.
type Callbacks interface {
	Before(ctx context.Context, appID uint32, event string, payload any) (json.RawMessage, error)
	After(ctx context.Context, appID uint32, event string, payload any)
}

// itemEvent is the payload of friend.add.* and friend.update.after
// (WhaleShark's {fromId, toItem}).
type itemEvent struct {
	FromID string `json:"fromId"`
	ToItem Item   `json:"toItem"`
}

// pairEvent is the payload of friend.delete.after and black.*.after.
type pairEvent struct {
	FromID string `json:"fromId"`
	ToID   string `json:"toId"`
}

// vetoAdd runs friend.add.before: the app may refuse the add (or the
// request) before anything changes.
func (s *Service) vetoAdd(ctx context.Context, appID uint32, from string, it Item) error {
	_, err := s.callbacks.Before(ctx, appID, webhook.FriendAddBefore, itemEvent{FromID: from, ToItem: it})
	return err
}

func (s *Service) afterItem(ctx context.Context, appID uint32, event, from string, it Item) {
	s.callbacks.After(ctx, appID, event, itemEvent{FromID: from, ToItem: it})
}

func (s *Service) afterPair(ctx context.Context, appID uint32, event, from, to string) {
	s.callbacks.After(ctx, appID, event, pairEvent{FromID: from, ToID: to})
}
