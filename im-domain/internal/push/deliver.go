package push

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/retry"
)

// deliver sends one event: on its first attempt the badge, the push.offline
// webhook event and the receiver's tokens; then one send per target. The
// targets that failed in a way that may pass are queued again, due after
// the backoff, or dead-lettered after the last attempt. An error means the
// event is not settled and the queue delivers the batch again.
func (s *Service) deliver(ctx context.Context, ev mq.OfflinePush) error {
	if err := retry.WaitDue(ctx, ev.NotBefore, s.now()); err != nil {
		return err
	}
	if ev.Attempt <= 1 { // the webhook payload carries no attempt
		if err := s.first(ctx, &ev); err != nil {
			return err
		}
	}
	ev.Attempt = max(ev.Attempt, 1)
	failed := s.send(ctx, ev)
	if len(failed) == 0 {
		return nil
	}
	next := ev
	next.Targets, next.Attempt = failed, ev.Attempt+1
	next.NotBefore = s.d.Retry.Due(ev.Attempt, s.now())
	exchange, key, outcome := mq.ExchangePush, mq.KeyPushOffline, Retried
	if ev.Attempt >= s.d.Retry.MaxAttempts {
		exchange, key, outcome = mq.ExchangeDead, "", DeadLetter
	}
	if err := s.publish(ctx, exchange, key, next); err != nil {
		return err
	}
	for _, t := range failed {
		provider, _, _ := strings.Cut(t, ":")
		s.d.Observer.Outcome(provider, outcome)
	}
	if outcome == DeadLetter {
		s.log.WarnContext(ctx, "offline push dead-lettered: providers kept failing", "app", ev.AppID, "receiver", ev.ReceiverID,
			"push", ev.ID, "attempts", ev.Attempt, "targets", len(failed))
	}
	return nil
}

// first fills the badge, sends the webhook event and resolves the
// receiver's tokens into targets ("provider:token").
func (s *Service) first(ctx context.Context, ev *mq.OfflinePush) error {
	tokens, err := s.d.Store.PushTokens(ctx, ev.AppID, ev.ReceiverID)
	if err != nil {
		return fmt.Errorf("offline push %s: tokens: %w", ev.ID, err)
	}
	if n, err := s.d.Unread.UnreadTotal(ctx, ev.AppID, ev.ReceiverID); err == nil {
		ev.Badge = n
	} else {
		s.log.WarnContext(ctx, "offline push without badge", "app", ev.AppID, "receiver", ev.ReceiverID, "err", err)
	}
	s.d.Webhooks.After(ctx, ev.AppID, EventOffline, ev)
	for _, t := range tokens {
		ev.Targets = append(ev.Targets, t.Provider+":"+t.Token)
	}
	return nil
}

// send makes one attempt per target and returns those worth another.
func (s *Service) send(ctx context.Context, ev mq.OfflinePush) (failed []string) {
	n := Notification{Title: ev.SenderID, Body: ev.Preview, Badge: ev.Badge, Data: map[string]string{
		"conversationId": ev.ConversationID, "messageId": ev.MessageID, "senderId": ev.SenderID, "pushId": ev.ID}}
	for _, target := range ev.Targets {
		provider, token, _ := strings.Cut(target, ":")
		sender := s.d.Senders[provider]
		if sender == nil {
			s.d.Observer.Outcome(provider, NotAvailable)
			continue
		}
		r, err := sender.Send(ctx, token, n)
		switch {
		case err == nil:
			s.d.Observer.Outcome(provider, Sent)
		case errors.Is(err, ErrUnregistered):
			s.d.Observer.Outcome(provider, Rejected)
			if err := s.d.Store.DeletePushTokenValue(ctx, ev.AppID, provider, token); err != nil {
				s.log.WarnContext(ctx, "unregistered push token not deleted", "app", ev.AppID, "provider", provider, "err", err)
			}
		case !retryable(err):
			s.d.Observer.Outcome(provider, Rejected)
			s.log.WarnContext(ctx, "offline push rejected", "app", ev.AppID, "receiver", ev.ReceiverID, "provider", provider,
				"status", r.Status, "reason", r.Reason)
		default:
			s.log.InfoContext(ctx, "offline push failed, will retry", "app", ev.AppID, "receiver", ev.ReceiverID, "provider", provider,
				"attempt", ev.Attempt, "err", err)
			failed = append(failed, target)
		}
	}
	return failed
}

// publish queues ev alone, detached from the consumer's stop (retry.Publish).
func (s *Service) publish(ctx context.Context, exchange, key string, ev mq.OfflinePush) error {
	body, err := json.Marshal(mq.OfflineBatch{Version: mq.Version, Events: []mq.OfflinePush{ev}})
	if err != nil {
		return fmt.Errorf("offline push %s: %w", ev.ID, err)
	}
	if err := retry.Publish(ctx, s.d.Queue, exchange, key, mq.Publishing{Body: body, ContentType: "application/json",
		MessageID: ev.ID, Persistent: true}); err != nil {
		return fmt.Errorf("offline push %s: queue attempt %d: %w", ev.ID, ev.Attempt, err)
	}
	return nil
}
