package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/app"
)

// maxReply bounds how much of a reply is read.
const maxReply = 1 << 20

// Apps loads an app's callback settings and secret (app.Service).
type Apps interface {
	App(ctx context.Context, id uint32) (*app.App, error)
}

// Config tunes after-callback delivery; zero fields take the defaults.
type Config struct {
	QueueSize   int           // pending after-callbacks; default 1024
	Workers     int           // concurrent deliveries; default 4
	MaxAttempts int           // attempts per event, the first included; default 5
	BaseBackoff time.Duration // wait before the 2nd attempt, doubled each time; default 1s
	MaxBackoff  time.Duration // default 1m
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.QueueSize, 1024)
	def(&c.Workers, 4)
	def(&c.MaxAttempts, 5)
	if c.BaseBackoff <= 0 {
		c.BaseBackoff = time.Second
	}
	if c.MaxBackoff < c.BaseBackoff {
		c.MaxBackoff = max(time.Minute, c.BaseBackoff)
	}
	return c
}

// Client sends callbacks. Run must be running for after-callbacks to be
// delivered; before-callbacks are synchronous and need no Run.
type Client struct {
	apps  Apps
	http  *http.Client
	cfg   Config
	log   *slog.Logger
	queue chan delivery
	now   func() time.Time
}

// delivery is one after-callback event and its attempt count.
type delivery struct {
	appID   uint32
	event   string
	id      string
	body    []byte
	attempt int
}

// New returns a Client. Redirects are not followed: the callback URL is the
// app's, and a redirect could point the signed body anywhere.
func New(apps Apps, cfg Config, log *slog.Logger) *Client {
	cfg = cfg.withDefaults()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &Client{apps: apps, http: hc, cfg: cfg, log: log.With("component", "webhook"),
		queue: make(chan delivery, cfg.QueueSize), now: time.Now}
}

// Before runs the app's before-callback of event, if enabled, within the
// app's callback timeout. It returns errcode.CallbackVeto when the app
// refuses, the replacement payload when the app rewrites a Rewritable
// event (nil otherwise), and errcode.Unavailable when the callback fails
// and the app is fail-closed (a fail-open app proceeds).
func (c *Client) Before(ctx context.Context, appID uint32, event string, payload any) (json.RawMessage, error) {
	a, err := c.apps.App(ctx, appID)
	if err != nil || !a.CallbackOn(event) {
		return nil, err
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("webhook %s: marshal: %w", event, err)
	}
	tctx, cancel := context.WithTimeout(ctx, a.Settings.CallbackTimeout)
	defer cancel()
	reply, err := c.post(tctx, a, event, newID(), body)
	var r struct {
		Code *int            `json:"code"`
		Msg  string          `json:"msg"`
		Data json.RawMessage `json:"data"`
	}
	if err == nil && (json.Unmarshal(reply, &r) != nil || r.Code == nil) {
		err = errors.New("reply is not a {code, msg, data} envelope")
	}
	if err != nil {
		return nil, c.failed(ctx, a, event, err)
	}
	if *r.Code != int(errcode.Success.Code) {
		return nil, errcode.CallbackVeto.With(fmt.Sprintf("%s: %d %s", event, *r.Code, r.Msg))
	}
	if Rewritable(event) && len(r.Data) > 0 && string(r.Data) != "null" {
		return r.Data, nil
	}
	return nil, nil
}

// failed applies the app's fail-open or fail-closed rule.
func (c *Client) failed(ctx context.Context, a *app.App, event string, err error) error {
	if a.Settings.CallbackFailOpen {
		c.log.WarnContext(ctx, "before-callback failed, proceeding (fail-open)", "app", a.ID, "event", event, "err", err)
		return nil
	}
	return fmt.Errorf("%w: %w", errcode.Unavailable.With("app callback "+event+" failed"), err)
}

// After queues the app's after-callback of event, if enabled. It never
// blocks: when the queue is full the event is dropped and logged.
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
	c.enqueue(delivery{appID: appID, event: event, id: newID(), body: body, attempt: 1})
}

func (c *Client) enqueue(d delivery) {
	select {
	case c.queue <- d:
	default:
		c.log.Warn("after-callback dropped: queue full", "app", d.appID, "event", d.event, "delivery", d.id, "attempt", d.attempt)
	}
}

// Run delivers queued after-callbacks until ctx ends.
func (c *Client) Run(ctx context.Context) error {
	done := make(chan struct{})
	for range c.cfg.Workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				select {
				case <-ctx.Done():
					return
				case d := <-c.queue:
					c.deliver(ctx, d)
				}
			}
		}()
	}
	for range c.cfg.Workers {
		<-done
	}
	return nil
}

// deliver makes one attempt and schedules the next one for a transient
// failure. The app is loaded again on every attempt, so a disabled
// callback or a new URL or secret takes effect on retries.
func (c *Client) deliver(ctx context.Context, d delivery) {
	a, err := c.apps.App(ctx, d.appID)
	if err != nil || !a.CallbackOn(d.event) {
		return
	}
	tctx, cancel := context.WithTimeout(ctx, a.Settings.CallbackTimeout)
	_, err = c.post(tctx, a, d.event, d.id, d.body)
	cancel()
	switch {
	case err == nil:
		return
	case !retryable(err) || d.attempt >= c.cfg.MaxAttempts || ctx.Err() != nil:
		c.log.WarnContext(ctx, "after-callback failed, giving up", "app", d.appID, "event", d.event,
			"delivery", d.id, "attempt", d.attempt, "err", err)
		return
	}
	wait := c.backoff(d.attempt)
	d.attempt++
	time.AfterFunc(wait, func() { c.enqueue(d) })
}

// backoff is BaseBackoff doubled per attempt, capped, with jitter in
// [d/2, d) so failing events spread out instead of retrying in step.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.BaseBackoff << min(attempt-1, 20)
	if d <= 0 || d > c.cfg.MaxBackoff {
		d = c.cfg.MaxBackoff
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	n := int64(b[0])<<24 | int64(b[1])<<16 | int64(b[2])<<8 | int64(b[3])
	return d/2 + time.Duration(n%int64(d/2+1))
}

// statusError is a non-2xx reply.
type statusError struct{ status int }

func (e *statusError) Error() string { return "callback answered HTTP " + strconv.Itoa(e.status) }

// retryable: transport errors, timeouts, 408, 429 and 5xx may pass on a
// later attempt; any other status will not.
func retryable(err error) bool {
	var se *statusError
	if !errors.As(err, &se) {
		return true
	}
	return se.status == http.StatusRequestTimeout || se.status == http.StatusTooManyRequests || se.status >= 500
}

// post sends one signed attempt and returns the 2xx reply's body.
func (c *Client) post(ctx context.Context, a *app.App, event, id string, body []byte) ([]byte, error) {
	u, err := url.Parse(a.Settings.CallbackURL)
	if err != nil {
		return nil, fmt.Errorf("callback url: %w", err)
	}
	q := u.Query()
	q.Set("appId", strconv.FormatUint(uint64(a.ID), 10))
	q.Set("command", event)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("callback request: %w", err)
	}
	ts := c.now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderAppID, strconv.FormatUint(uint64(a.ID), 10))
	req.Header.Set(HeaderEvent, event)
	req.Header.Set(HeaderDeliveryID, id)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(a.Secret, ts, body))
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("callback %s: %w", event, err)
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &statusError{status: resp.StatusCode}
	}
	if err != nil {
		return nil, fmt.Errorf("callback %s: read reply: %w", event, err)
	}
	return reply, nil
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Disabled is a callback sink that vetoes nothing and sends nothing, for
// services built without an app back-end (unit tests, embedded runs).
type Disabled struct{}

// Before implements the features' Callbacks ports: never a veto.
func (Disabled) Before(context.Context, uint32, string, any) (json.RawMessage, error) {
	return nil, nil
}

// After implements the features' Callbacks ports: nothing is sent.
func (Disabled) After(context.Context, uint32, string, any) {}
