package message

import (
	"context"
	"fmt"
	"slices"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
)

// MaxDelete caps the messages of one delete-for-me call.
const MaxDelete = 100

// DeleteForMe hides the messages at seqs of conversation from userID
// alone: its pulls, syncs and history on every device skip them from now
// on, the other users keep them. Every device of userID gets 1058 (the
// REST caller has no device to leave out). Deleting twice is no error.
func (s *Service) DeleteForMe(ctx context.Context, appID uint32, userID, conversation string, seqs []int64) error {
	if len(seqs) == 0 || len(seqs) > MaxDelete || slices.ContainsFunc(seqs, func(q int64) bool { return q <= 0 }) {
		return errcode.MissingField.With(fmt.Sprintf("messageSequences: 1 to %d sequences above 0", MaxDelete))
	}
	if _, err := s.access(ctx, appID, userID, conversation); err != nil {
		return err
	}
	seqs = slices.Compact(slices.Sorted(slices.Values(seqs)))
	if err := s.d.Store.Hide(ctx, appID, userID, conversation, seqs); err != nil {
		return err
	}
	s.tellOwnDevices(ctx, appID, userID, command.MessageDeleteNote, payload.Deleted{ConversationID: conversation, Sequences: seqs})
	return nil
}

// ClearHistory hides conversation's history up to upTo (0: every message
// accepted so far) from userID alone: pulls, syncs and history start after
// it, and the read position moves there, so nothing before it counts as
// unread. The mark only moves forward; the new one is returned. Every
// device of userID gets 5002.
func (s *Service) ClearHistory(ctx context.Context, appID uint32, userID, conversation string, upTo int64) (int64, error) {
	if upTo < 0 {
		return 0, errcode.MissingField.With("clearedSequence must not be negative")
	}
	cleared, err := s.access(ctx, appID, userID, conversation)
	if err != nil {
		return 0, err
	}
	maxes, err := s.storedMaxSeqs(ctx, appID, []string{conversation})
	if err != nil {
		return 0, err
	}
	seq := maxes[conversation]
	if upTo > 0 {
		seq = min(upTo, seq)
	}
	if seq <= cleared {
		return cleared, nil
	}
	if err := s.d.Store.Forward(ctx, appID, userID, conversation, CursorCleared, seq); err != nil {
		return 0, err
	}
	if err := s.markConversationRead(ctx, device.ID{AppID: appID, UserID: userID}, conversation, seq); err != nil {
		return 0, err
	}
	s.tellOwnDevices(ctx, appID, userID, command.ConversationClear, payload.Cleared{ConversationID: conversation, ClearedSequence: seq})
	return seq, nil
}

// tellOwnDevices pushes an event to every online device of userID.
func (s *Service) tellOwnDevices(ctx context.Context, appID uint32, userID string, cmd command.Code, data any) {
	var o outbox
	o.notify(notify.Event{AppID: appID, Command: cmd, To: []string{userID}, ToID: userID, Data: data})
	s.flush(ctx, &o)
}

// hidden returns which of msgs userID deleted for itself (one range query).
func (s *Service) hidden(ctx context.Context, appID uint32, userID, conversation string, msgs []mq.Message) (map[int64]bool, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	lo, hi := msgs[0].Seq, msgs[len(msgs)-1].Seq
	return s.d.Store.Hidden(ctx, appID, userID, conversation, min(lo, hi), max(lo, hi))
}
