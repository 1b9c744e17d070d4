package domain

import (
	"context"

	"github.com/whaleim/whaleim/im-domain/internal/conversation"
	"github.com/whaleim/whaleim/im-domain/internal/mariadb"
	"github.com/whaleim/whaleim/im-domain/internal/message"
	"github.com/whaleim/whaleim/im-domain/internal/redisdb"
)

// allocatedSeqs is conversation.Allocator: the seq allocator's current
// value in Redis, the last seq actually handed out, and where Redis lost
// it, MySQL's high-water mark, which is above every seq ever handed out.
// The stored maximum (im_message) would be wrong: the store writes after
// the up-ACK, so a client may read or receive-ACK a message the store has
// not written yet, and clamping to it would lose that cursor move.
type allocatedSeqs struct {
	seqs *redisdb.Sequencer
	db   *mariadb.DB
}

func (a allocatedSeqs) Allocated(ctx context.Context, appID uint32, conversations []string) (map[string]int64, error) {
	out, err := a.seqs.Current(ctx, appID, conversations)
	if err != nil {
		return nil, err
	}
	var lost []string
	for _, c := range conversations {
		if _, ok := out[c]; !ok {
			lost = append(lost, c)
		}
	}
	if len(lost) == 0 {
		return out, nil
	}
	hw, err := a.db.SeqHighWater(ctx, appID, lost)
	for c, hi := range hw {
		out[c] = hi
	}
	return out, err
}

// cursorStore is the message core's Store with the receive cursor written
// behind by the conversation feature (batched, forward only, clamped to the
// allocated seqs); the other cursors and everything else go to MySQL as
// they come.
type cursorStore struct {
	*mariadb.DB
	convs *conversation.Service
}

func (c cursorStore) Forward(ctx context.Context, appID uint32, userID, conv string, cur message.Cursor, seq int64) error {
	if cur == message.CursorReceive {
		return c.convs.Received(ctx, appID, userID, conv, seq)
	}
	return c.DB.Forward(ctx, appID, userID, conv, cur, seq)
}
