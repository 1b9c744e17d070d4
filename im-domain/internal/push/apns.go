package push

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultAPNsEndpoint is Apple's production push gateway.
const DefaultAPNsEndpoint = "https://api.push.apple.com"

// apnsTokenAge is how long a provider token is reused: Apple refuses
// tokens older than an hour and too frequent renewals alike.
const apnsTokenAge = 50 * time.Minute

// ParseAPNsKey reads the .p8 signing key Apple issues (PKCS#8, P-256).
func ParseAPNsKey(data []byte) (*ecdsa.PrivateKey, error) {
	k, err := parsePKCS8(data)
	if err != nil {
		return nil, err
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok || ek.Curve != elliptic.P256() {
		return nil, fmt.Errorf("key is %T, want an ECDSA P-256 key", k)
	}
	return ek, nil
}

// APNsConfig is the token-based APNs connection of one app bundle.
type APNsConfig struct {
	Key      *ecdsa.PrivateKey
	KeyID    string // the key's 10-character id
	TeamID   string
	Topic    string // the app's bundle id (apns-topic)
	Endpoint string // "" is DefaultAPNsEndpoint
}

// APNsSender sends through APNs over HTTP/2: POST /3/device/{token} with
// an ES256 provider token (reused for apnsTokenAge).
type APNsSender struct {
	cfg  APNsConfig
	http *http.Client
	now  func() time.Time

	mu     sync.Mutex
	jwt    string
	issued time.Time
}

// NewAPNs returns a sender; hc must speak HTTP/2 (APNs has no HTTP/1).
func NewAPNs(cfg APNsConfig, hc *http.Client) *APNsSender {
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultAPNsEndpoint
	}
	cfg.Endpoint = strings.TrimRight(cfg.Endpoint, "/")
	return &APNsSender{cfg: cfg, http: hc, now: time.Now}
}

// Send implements Sender.
func (a *APNsSender) Send(ctx context.Context, token string, n Notification) (Result, error) {
	r := Result{Provider: APNs}
	jwt, err := a.token()
	if err != nil {
		return r, fmt.Errorf("apns: %w", err)
	}
	payload := map[string]any{"aps": map[string]any{
		"alert": map[string]string{"title": n.Title, "body": n.Body}, "badge": n.Badge, "sound": "default"}}
	for k, v := range n.Data {
		if k != "aps" {
			payload[k] = v
		}
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return r, fmt.Errorf("apns: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.Endpoint+"/3/device/"+url.PathEscape(token), bytes.NewReader(body))
	if err != nil {
		return r, fmt.Errorf("apns: %w", err)
	}
	req.Header.Set("authorization", "bearer "+jwt)
	req.Header.Set("apns-topic", a.cfg.Topic)
	req.Header.Set("apns-push-type", "alert")
	req.Header.Set("apns-priority", "10")
	req.Header.Set("content-type", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		r.Reason = err.Error()
		return r, fmt.Errorf("apns: %w", err)
	}
	defer resp.Body.Close()
	r.Status, r.ID = resp.StatusCode, resp.Header.Get("apns-id")
	if resp.StatusCode == http.StatusOK {
		return r, nil
	}
	var e struct {
		Reason string `json:"reason"`
	}
	_ = json.Unmarshal(readAnswer(resp), &e)
	r.Reason = e.Reason
	if r.Reason == "" {
		r.Reason = statusText(resp.StatusCode)
	}
	if e.Reason == "ExpiredProviderToken" {
		a.forget()
		return r, fmt.Errorf("%w: %s", ErrRetry, r.Reason)
	}
	unregistered := resp.StatusCode == http.StatusGone || e.Reason == "BadDeviceToken" || e.Reason == "Unregistered"
	return r, classify(r, unregistered)
}

// token returns the provider token, signing a new one when it is old.
func (a *APNsSender) token() (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	if a.jwt != "" && now.Sub(a.issued) < apnsTokenAge {
		return a.jwt, nil
	}
	t, err := signJWT(a.cfg.Key, map[string]any{"alg": "ES256", "kid": a.cfg.KeyID},
		map[string]any{"iss": a.cfg.TeamID, "iat": now.Unix()})
	if err != nil {
		return "", err
	}
	a.jwt, a.issued = t, now
	return t, nil
}

func (a *APNsSender) forget() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.jwt = ""
}
