package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/whaleim/whaleim/im-common/backoff"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/retry"
)

// Queue is the durable queue after-callbacks travel through: a persistent
// publish that returns nil only once the event is stored, and competing
// consumers of mq.QueueWebhookEvents.
type Queue interface {
	mq.Publisher
	mq.Consumer
}

// Observer counts what happened to after-callback events (the node's
// metrics).
type Observer interface {
	Outcome(event string, outcome Outcome)
}

// Outcome is what one after-callback event came to.
type Outcome string

// Outcomes of an after-callback event.
const (
	Delivered   Outcome = "delivered"   // the app answered 2xx
	Retried     Outcome = "retried"     // an attempt failed; the next one is queued
	DeadLetter  Outcome = "dead_letter" // out of attempts, or refused for good: in the dead-letter queue
	Dropped     Outcome = "dropped"     // the app is gone or switched the event off before delivery
	Unpublished Outcome = "unpublished" // the queue did not take the event (logged as an error)
)

// publishTries is how often After publishes before it gives up: a failed
// publish is "not known to be stored", and the same id makes a duplicate
// harmless.
const publishTries = 3

// After publishes the app's after-callback of event, if enabled, to the
// durable webhook queue; call it once the action committed. It returns
// when the queue stored the event, so a node that dies afterwards loses
// nothing. A queue that refuses the event three times is logged as an
// error and counted (Unpublished): the action is done and cannot be undone.
func (c *Client) After(ctx context.Context, appID uint32, event string, payload any) {
	a, err := c.apps.App(ctx, appID)
	if err != nil {
		c.log.WarnContext(ctx, "after-callback: app", "app", appID, "event", event, "err", err)
		return
	}
	if !a.CallbackOn(event) {
		return
	}
	body, err := json.Marshal(payload)
	if err != nil {
		c.log.ErrorContext(ctx, "after-callback: marshal", "app", appID, "event", event, "err", err)
		return
	}
	ev := mq.WebhookEvent{Version: mq.Version, ID: newID(), AppID: appID, Event: event, Payload: body, Attempt: 1}
	for try := range publishTries {
		if err = c.publish(ctx, ev); err == nil {
			break
		}
		_ = backoff.Sleep(context.WithoutCancel(ctx), backoff.Delay(try, 50*time.Millisecond, time.Second))
	}
	if err != nil {
		c.obs.Outcome(event, Unpublished)
		c.log.ErrorContext(ctx, "after-callback lost: the queue did not store it", "app", appID, "event", event, "delivery", ev.ID, "err", err)
	}
}

// publish queues ev; detached (retry.Publish): After runs once the action
// committed, so a client that hangs up must not cancel the report of what
// it did, and a retry must not be lost to a stop.
func (c *Client) publish(ctx context.Context, ev mq.WebhookEvent) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("webhook event: %w", err)
	}
	return retry.Publish(ctx, c.queue, mq.ExchangeWebhook, mq.KeyWebhookEvents, mq.Publishing{
		Body: body, ContentType: "application/json", MessageID: ev.ID, Type: ev.Event, Persistent: true})
}

// Run delivers queued after-callbacks with Config.Workers competing
// consumers until ctx ends.
func (c *Client) Run(ctx context.Context) error {
	return c.cfg.Consume(ctx, c.queue, mq.QueueWebhookEvents, c.handle)
}

// handle makes one attempt at one event. A failure that may pass later is
// published again as the next attempt, due after the backoff; the last
// attempt or a permanent refusal goes to the dead-letter queue. The app is
// loaded on every attempt, so a disabled callback or a new URL or secret
// takes effect on retries.
func (c *Client) handle(ctx context.Context, d mq.Delivery) error {
	var ev mq.WebhookEvent
	if err := json.Unmarshal(d.Body, &ev); err != nil || ev.Version != mq.Version {
		c.obs.Outcome(d.Type, DeadLetter)
		return mq.Permanent(fmt.Errorf("webhook event %s: undecodable (version %d): %w", d.MessageID, ev.Version, err))
	}
	if err := retry.WaitDue(ctx, ev.NotBefore, c.now()); err != nil {
		return err // stopping: the queue keeps the event for the next node
	}
	a, err := c.apps.App(ctx, ev.AppID)
	if errors.Is(err, errcode.AppNotFound) || (err == nil && !a.CallbackOn(ev.Event)) {
		c.obs.Outcome(ev.Event, Dropped)
		return nil
	}
	if err != nil {
		return fmt.Errorf("webhook event %s: app: %w", ev.ID, err) // the queue retries it
	}
	tctx, cancel := context.WithTimeout(ctx, a.Settings.CallbackTimeout)
	_, err = c.post(tctx, a, ev.Event, ev.ID, ev.Payload)
	cancel()
	switch {
	case err == nil:
		c.obs.Outcome(ev.Event, Delivered)
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case !retryable(err) || ev.Attempt >= c.cfg.MaxAttempts:
		c.obs.Outcome(ev.Event, DeadLetter)
		return mq.Permanent(fmt.Errorf("after-callback %s %s to app %d, attempt %d: %w", ev.Event, ev.ID, ev.AppID, ev.Attempt, err))
	}
	next := ev
	next.Attempt, next.NotBefore = ev.Attempt+1, c.cfg.Due(ev.Attempt, c.now())
	if err := c.publish(ctx, next); err != nil {
		return fmt.Errorf("webhook event %s: queue the next attempt: %w", ev.ID, err) // this one is redelivered
	}
	c.obs.Outcome(ev.Event, Retried)
	c.log.InfoContext(ctx, "after-callback failed, retrying", "app", ev.AppID, "event", ev.Event,
		"delivery", ev.ID, "attempt", ev.Attempt, "err", err)
	return nil
}
