package push

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FCM's defaults and OAuth2 scope.
const (
	DefaultFCMEndpoint = "https://fcm.googleapis.com"
	fcmScope           = "https://www.googleapis.com/auth/firebase.messaging"
	jwtBearer          = "urn:ietf:params:oauth:grant-type:jwt-bearer"
)

// ServiceAccount is what FCM needs of a Google service-account key file
// (the JSON downloaded from the Firebase console).
type ServiceAccount struct {
	Type         string `json:"type"`
	ProjectID    string `json:"project_id"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
	ClientEmail  string `json:"client_email"`
	TokenURI     string `json:"token_uri"`
	key          *rsa.PrivateKey
}

// ParseServiceAccount reads a service-account key file and its RSA key.
func ParseServiceAccount(data []byte) (*ServiceAccount, error) {
	var sa ServiceAccount
	if err := json.Unmarshal(data, &sa); err != nil {
		return nil, fmt.Errorf("not a service-account JSON file: %w", err)
	}
	switch {
	case sa.Type != "service_account":
		return nil, fmt.Errorf("type is %q, want \"service_account\"", sa.Type)
	case sa.ProjectID == "" || sa.ClientEmail == "" || sa.TokenURI == "":
		return nil, errors.New("project_id, client_email and token_uri are required")
	}
	if err := checkURL(sa.TokenURI); err != nil {
		return nil, fmt.Errorf("token_uri: %w", err)
	}
	k, err := parsePKCS8([]byte(sa.PrivateKey))
	if err != nil {
		return nil, fmt.Errorf("private_key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("private_key is %T, want RSA", k)
	}
	sa.key = rk
	return &sa, nil
}

// checkURL accepts an absolute http(s) URL.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	return nil
}

// FCMSender sends through FCM HTTP v1: an OAuth2 access token from the
// service account's signed JWT (cached until shortly before it expires),
// then POST {endpoint}/v1/projects/{project}/messages:send.
type FCMSender struct {
	account  *ServiceAccount
	endpoint string
	tokenURL string
	http     *http.Client
	now      func() time.Time

	mu      sync.Mutex
	access  string
	expires time.Time
}

// NewFCM returns a sender; endpoint "" is DefaultFCMEndpoint and tokenURL
// "" the account's token_uri.
func NewFCM(account *ServiceAccount, endpoint, tokenURL string, hc *http.Client) *FCMSender {
	if endpoint == "" {
		endpoint = DefaultFCMEndpoint
	}
	if tokenURL == "" {
		tokenURL = account.TokenURI
	}
	return &FCMSender{account: account, endpoint: strings.TrimRight(endpoint, "/"), tokenURL: tokenURL, http: hc, now: time.Now}
}

// Send implements Sender.
func (f *FCMSender) Send(ctx context.Context, token string, n Notification) (Result, error) {
	r := Result{Provider: FCM}
	access, err := f.accessToken(ctx)
	if err != nil {
		r.Reason = err.Error()
		return r, fmt.Errorf("fcm: %w", err)
	}
	body, err := json.Marshal(fcmRequest(token, n))
	if err != nil {
		return r, fmt.Errorf("fcm: %w", err)
	}
	u := f.endpoint + "/v1/projects/" + url.PathEscape(f.account.ProjectID) + "/messages:send"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return r, fmt.Errorf("fcm: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+access)
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	resp, err := f.http.Do(req)
	if err != nil {
		r.Reason = err.Error()
		return r, fmt.Errorf("fcm: %w", err)
	}
	defer resp.Body.Close()
	return f.answer(resp, r)
}

// answer reads FCM's reply: {"name": ...} or a Google API error.
func (f *FCMSender) answer(resp *http.Response, r Result) (Result, error) {
	r.Status = resp.StatusCode
	var a struct {
		Name  string `json:"name"`
		Error struct {
			Message string `json:"message"`
			Status  string `json:"status"`
			Details []struct {
				ErrorCode string `json:"errorCode"`
			} `json:"details"`
		} `json:"error"`
	}
	_ = json.Unmarshal(readAnswer(resp), &a)
	if resp.StatusCode/100 == 2 {
		r.ID = a.Name
		return r, nil
	}
	r.Reason = strings.TrimSpace(a.Error.Status + " " + a.Error.Message)
	unregistered := resp.StatusCode == http.StatusNotFound
	for _, d := range a.Error.Details {
		if d.ErrorCode != "" {
			r.Reason = d.ErrorCode + ": " + a.Error.Message
			unregistered = unregistered || d.ErrorCode == "UNREGISTERED"
		}
	}
	if resp.StatusCode == http.StatusUnauthorized {
		f.forget() // an access token revoked early: the next attempt gets a new one
		return r, fmt.Errorf("%w: %s", ErrRetry, r.Reason)
	}
	if r.Reason == "" {
		r.Reason = statusText(resp.StatusCode)
	}
	return r, classify(r, unregistered)
}

// fcmRequest is FCM v1's message: notification plus the data (strings
// only), and the badge for iOS devices reached through FCM.
func fcmRequest(token string, n Notification) map[string]any {
	data := map[string]string{"badge": strconv.FormatInt(n.Badge, 10)}
	for k, v := range n.Data {
		data[k] = v
	}
	return map[string]any{"message": map[string]any{
		"token":        token,
		"notification": map[string]string{"title": n.Title, "body": n.Body},
		"data":         data,
		"android":      map[string]any{"priority": "high"},
		"apns":         map[string]any{"payload": map[string]any{"aps": map[string]any{"badge": n.Badge}}},
	}}
}

// accessToken returns the cached OAuth2 token or fetches a new one.
func (f *FCMSender) accessToken(ctx context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.access != "" && f.now().Before(f.expires) {
		return f.access, nil
	}
	now := f.now()
	assertion, err := signJWT(f.account.key,
		map[string]any{"alg": "RS256", "typ": "JWT", "kid": f.account.PrivateKeyID},
		map[string]any{"iss": f.account.ClientEmail, "scope": fcmScope, "aud": f.tokenURL,
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	if err != nil {
		return "", err
	}
	form := url.Values{"grant_type": {jwtBearer}, "assertion": {assertion}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := f.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("token endpoint: %w", err)
	}
	defer resp.Body.Close()
	var t struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		Error       string `json:"error"`
	}
	if err := json.Unmarshal(readAnswer(resp), &t); err != nil || resp.StatusCode != http.StatusOK || t.AccessToken == "" {
		return "", fmt.Errorf("token endpoint answered %s %s", statusText(resp.StatusCode), t.Error)
	}
	f.access = t.AccessToken
	f.expires = now.Add(time.Duration(max(t.ExpiresIn-60, 0)) * time.Second) // renewed a minute early
	return f.access, nil
}

func (f *FCMSender) forget() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.access = ""
}
