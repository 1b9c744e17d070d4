package push

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/app"
	"github.com/whaleim/whaleim/im-domain/internal/retry"
)

// EventOffline is the webhook event of an offline push (webhook.PushOffline).
const EventOffline = "push.offline"

// Queue is the durable queue offline pushes travel through.
type Queue interface {
	mq.Publisher
	mq.Consumer
}

// Apps loads an app's settings (app.Service).
type Apps interface {
	App(ctx context.Context, id uint32) (*app.App, error)
}

// Webhooks queues an app's after-callback (webhook.Client).
type Webhooks interface {
	After(ctx context.Context, appID uint32, event string, payload any)
}

// Unread is the receiver's unread total, the badge (conversation.Service).
type Unread interface {
	UnreadTotal(ctx context.Context, appID uint32, owner string) (int64, error)
}

// Observer counts provider outcomes (the node's metrics).
type Observer interface {
	Outcome(provider string, outcome Outcome)
}

// Outcome is what one provider send came to.
type Outcome string

// Outcomes of a provider send.
const (
	Sent         Outcome = "sent"
	Retried      Outcome = "retried"     // failed; queued again
	Rejected     Outcome = "rejected"    // refused for good, or the token was unregistered (then deleted)
	DeadLetter   Outcome = "dead_letter" // out of attempts
	Unpublished  Outcome = "unpublished" // the queue did not take the batch
	NotAvailable Outcome = "not_configured"
)

// Deps are the Service's collaborators; Senders maps a provider name (FCM,
// APNs) to its sender, and is empty when none is configured.
type Deps struct {
	Store    Store
	Apps     Apps
	Webhooks Webhooks
	Unread   Unread
	Queue    Queue
	Senders  map[string]Sender
	Observer Observer
	Retry    retry.Policy // the webhook settings apply
	Log      *slog.Logger
}

// Service is offline push.
type Service struct {
	d   Deps
	log *slog.Logger
	now func() time.Time
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	d.Retry = d.Retry.WithDefaults()
	return &Service{d: d, log: d.Log.With("component", "push"), now: time.Now}
}

// RegisterToken saves the push token of a device, replacing its previous one.
func (s *Service) RegisterToken(ctx context.Context, appID uint32, t Token) (Token, error) {
	if err := t.Validate(); err != nil {
		return Token{}, err
	}
	t.Updated = s.now().UnixMilli()
	return t, s.d.Store.SavePushToken(ctx, appID, t)
}

// DeleteToken removes a device's push token (logout, push switched off).
func (s *Service) DeleteToken(ctx context.Context, appID uint32, userID string, clientType device.Type, imei string) error {
	return s.d.Store.DeletePushToken(ctx, appID, userID, clientType, imei)
}

// Tokens lists a user's registered devices.
func (s *Service) Tokens(ctx context.Context, appID uint32, userID string) ([]Token, error) {
	return s.d.Store.PushTokens(ctx, appID, userID)
}

// TestResult is one device's answer to a test push.
type TestResult struct {
	ClientType device.Type `json:"clientType"`
	IMEI       string      `json:"imei"`
	Result
	Error string `json:"error,omitempty"`
}

// Test sends n to every registered device of userID at once and reports
// each provider's answer.
func (s *Service) Test(ctx context.Context, appID uint32, userID string, n Notification) ([]TestResult, error) {
	tokens, err := s.d.Store.PushTokens(ctx, appID, userID)
	if err != nil {
		return nil, err
	}
	if len(tokens) == 0 {
		return nil, errcode.MissingField.With("userId: no device of this user registered a push token")
	}
	out := make([]TestResult, 0, len(tokens))
	for _, t := range tokens {
		tr := TestResult{ClientType: t.ClientType, IMEI: t.IMEI, Result: Result{Provider: t.Provider}}
		if sender := s.d.Senders[t.Provider]; sender == nil {
			tr.Error = "provider " + t.Provider + " is not configured on this node"
		} else if tr.Result, err = sender.Send(ctx, t.Token, n); err != nil {
			tr.Error = err.Error()
		}
		out = append(out, tr)
	}
	return out, nil
}

// MaxBatch bounds the events of one queued batch: a message to a large
// group with most members offline is split, so no broker message grows
// with the group and a redelivery repeats little.
const MaxBatch = 200

// Offline implements message.OfflinePusher: it publishes the events of
// apps that want them (the push.offline webhook event on, or a provider
// configured) to the durable queue, in batches of at most MaxBatch.
func (s *Service) Offline(ctx context.Context, events []mq.OfflinePush) {
	var keep []mq.OfflinePush
	for _, ev := range events {
		if s.wanted(ctx, ev.AppID) {
			keep = append(keep, ev)
		}
	}
	for part := range slices.Chunk(keep, MaxBatch) {
		body, err := json.Marshal(mq.OfflineBatch{Version: mq.Version, Events: part})
		if err == nil {
			err = s.d.Queue.Publish(ctx, mq.ExchangePush, mq.KeyPushOffline, mq.Publishing{
				Body: body, ContentType: "application/json", MessageID: part[0].ID, Persistent: true})
		}
		if err != nil {
			s.d.Observer.Outcome("", Unpublished)
			s.log.WarnContext(ctx, "offline push lost: the queue did not take it", "events", len(part), "err", err)
		}
	}
}

func (s *Service) wanted(ctx context.Context, appID uint32) bool {
	if len(s.d.Senders) > 0 {
		return true
	}
	a, err := s.d.Apps.App(ctx, appID)
	return err == nil && a.CallbackOn(EventOffline)
}

// Run delivers offline pushes with the retry policy's workers until ctx
// ends.
func (s *Service) Run(ctx context.Context) error {
	return s.d.Retry.Consume(ctx, s.d.Queue, mq.QueuePushOffline, s.handle)
}

// handle delivers one batch, event by event.
func (s *Service) handle(ctx context.Context, d mq.Delivery) error {
	var b mq.OfflineBatch
	if err := json.Unmarshal(d.Body, &b); err != nil || b.Version != mq.Version {
		return mq.Permanent(fmt.Errorf("offline push %s: undecodable (version %d): %w", d.MessageID, b.Version, err))
	}
	for _, ev := range b.Events {
		if err := s.deliver(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}
