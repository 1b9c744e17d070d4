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
	"github.com/whaleim/whaleim/im-domain/internal/retry"
)

// maxReply bounds how much of a reply is read.
const maxReply = 1 << 20

// Apps loads an app's callback settings and secret (app.Service).
type Apps interface {
	App(ctx context.Context, id uint32) (*app.App, error)
}

// Config tunes after-callback delivery (workers, attempts, backoff); zero
// fields take the retry defaults.
type Config = retry.Policy

// Client sends callbacks. Before-callbacks are synchronous; after-callbacks
// are published to the durable webhook queue (mq.WebhookTopology), and Run
// must be running on some domain node for them to be delivered.
type Client struct {
	apps  Apps
	queue Queue
	obs   Observer
	http  *http.Client
	cfg   Config
	log   *slog.Logger
	now   func() time.Time
}

// New returns a Client. Redirects are not followed: the callback URL is the
// app's, and a redirect could point the signed body anywhere.
func New(apps Apps, queue Queue, obs Observer, cfg Config, log *slog.Logger) *Client {
	cfg = cfg.WithDefaults()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &Client{apps: apps, queue: queue, obs: obs, http: hc, cfg: cfg, log: log.With("component", "webhook"), now: time.Now}
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
	q.Set("command", Command(event))
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
