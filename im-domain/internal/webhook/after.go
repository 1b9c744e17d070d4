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

// publishTimeout bounds After's publish: it runs after the action
// committed, detached from the request's context so a client that hangs up
// does not cancel the report of what it did.
const publishTimeout = 10 * time.Second

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
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	for try := range publishTries {
		if err = c.publish(pctx, ev); err == nil || pctx.Err() != nil {
			break
		}
		_ = backoff.Sleep(pctx, backoff.Delay(try, 50*time.Millisecond, time.Second))
	}
	if err != nil {
		c.obs.Outcome(event, Unpublished)
		c.log.ErrorContext(ctx, "after-callback lost: the queue did not store it", "app", appID, "event", event, "delivery", ev.ID, "err", err)
	}
}

func (c *Client) publish(ctx context.Context, ev mq.WebhookEvent) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("webhook event: %w", err)
	}
	return c.queue.Publish(ctx, mq.ExchangeWebhook, mq.KeyWebhookEvents, mq.Publishing{
		Body: body, ContentType: "application/json", MessageID: ev.ID, Type: ev.Event, Persistent: true})
}

// Run delivers queued after-callbacks with Config.Workers competing
// consumers until ctx ends. An event waiting for its backoff holds one
// worker; the queue keeps the rest.
func (c *Client) Run(ctx context.Context) error {
	errs := make(chan error, c.cfg.Workers)
	for range c.cfg.Workers {
		go func() {
			errs <- c.queue.Consume(ctx, mq.QueueWebhookEvents, mq.ConsumeOptions{Prefetch: 1}, c.handle)
		}()
	}
	var err error
	for range c.cfg.Workers {
		err = errors.Join(err, <-errs)
	}
	return err
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
	if wait := time.UnixMilli(ev.NotBefore).Sub(c.now()); ev.NotBefore > 0 && wait > 0 {
		if err := backoff.Sleep(ctx, wait); err != nil {
			return err // stopping: the queue keeps the event for the next node
		}
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
	next.Attempt++
	next.NotBefore = c.now().Add(backoff.Delay(ev.Attempt-1, c.cfg.BaseBackoff, c.cfg.MaxBackoff)).UnixMilli()
	// Detached: a stop now must not leave the next attempt stored while
	// this one is redelivered too, which would fork the event's retries.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	if err := c.publish(pctx, next); err != nil {
		return fmt.Errorf("webhook event %s: queue the next attempt: %w", ev.ID, err) // this one is redelivered
	}
	c.obs.Outcome(ev.Event, Retried)
	c.log.InfoContext(ctx, "after-callback failed, retrying", "app", ev.AppID, "event", ev.Event,
		"delivery", ev.ID, "attempt", ev.Attempt, "err", err)
	return nil
}
