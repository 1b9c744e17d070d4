package message

import (
	"context"

	"github.com/whaleim/whaleim/im-common/mq"
)

// byKey finds a message by its server key: in MySQL, else among the
// recently accepted messages the store has not written yet.
func (s *Service) byKey(ctx context.Context, appID uint32, key int64) (mq.Message, bool, error) {
	m, ok, err := s.d.Store.ByKey(ctx, appID, key)
	if err != nil || ok || s.d.Recent == nil {
		return m, ok, err
	}
	return s.d.Recent.ByKey(ctx, appID, key)
}

// bySeq finds the message of conversation at seq, like byKey.
func (s *Service) bySeq(ctx context.Context, appID uint32, conversation string, seq int64) (mq.Message, bool, error) {
	m, ok, err := s.d.Store.BySeq(ctx, appID, conversation, seq)
	if err != nil || ok || s.d.Recent == nil {
		return m, ok, err
	}
	return s.d.Recent.BySeq(ctx, appID, conversation, seq)
}
