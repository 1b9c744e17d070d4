package push

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-domain/internal/push/pushtest"
)

func TestParseCredentials(t *testing.T) {
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	account := func(key any, tokenURI string) []byte {
		b, _ := json.Marshal(map[string]string{"type": "service_account", "project_id": "p", "private_key_id": "k",
			"private_key": string(pushtest.PKCS8(t, key)), "client_email": "a@p.iam.gserviceaccount.com", "token_uri": tokenURI})
		return b
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"service account", account(rk, "https://oauth2.googleapis.com/token"), ""},
		{"not json", []byte("{"), "not a service-account JSON"},
		{"wrong type", []byte(`{"type":"authorized_user"}`), `want "service_account"`},
		{"EC key", account(ek, "https://oauth2.googleapis.com/token"), "want RSA"},
		{"bad token uri", account(rk, "ftp://x"), "token_uri"},
		{"no key", []byte(`{"type":"service_account","project_id":"p","client_email":"e","token_uri":"https://t"}`), "not a PEM key"},
	}
	for _, tt := range tests {
		_, err := ParseServiceAccount(tt.data)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := ParseAPNsKey(pushtest.PKCS8(t, ek)); err != nil {
		t.Errorf("p8 key: %v", err)
	}
	for name, data := range map[string][]byte{"garbage": []byte("nope"), "RSA key": pushtest.PKCS8(t, rk)} {
		if _, err := ParseAPNsKey(data); err == nil {
			t.Errorf("%s accepted as an APNs key", name)
		}
	}
}

var note = Notification{Title: "alice", Body: "hi", Badge: 3, Data: map[string]string{"conversationId": "p2p:alice:bob"}}

func newFCM(t *testing.T) (*pushtest.FCM, *FCMSender) {
	f := pushtest.StartFCM(t)
	sa, err := ParseServiceAccount(f.ServiceAccount())
	if err != nil {
		t.Fatal(err)
	}
	return f, NewFCM(sa, f.URL, "", http.DefaultClient)
}

func TestFCMSendsV1Message(t *testing.T) {
	f, s := newFCM(t)
	for range 2 {
		r, err := s.Send(t.Context(), "fcm-token-1", note)
		if err != nil || r.Status != 200 || r.ID != "projects/whale-test/messages/0:1700000000%abc" || r.Provider != FCM {
			t.Fatalf("send = %+v, %v", r, err)
		}
	}
	got := f.Received()
	if f.AccessTokens() != 1 || len(got) != 2 {
		t.Fatalf("%d access tokens for %d sends: want one, cached", f.AccessTokens(), len(got))
	}
	if n := got[0]; n.Token != "fcm-token-1" || n.Title != "alice" || n.Body != "hi" || n.Badge != 3 || n.Data["conversationId"] != "p2p:alice:bob" {
		t.Errorf("received %+v", n)
	}
}

func TestFCMErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   error
		reason string
	}{
		{"unregistered", 404, `{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"UNREGISTERED"}]}}`, ErrUnregistered, "UNREGISTERED"},
		{"overloaded", 503, `{"error":{"code":503,"status":"UNAVAILABLE","message":"try later"}}`, ErrRetry, "UNAVAILABLE"},
		{"quota", 429, `{"error":{"code":429,"status":"RESOURCE_EXHAUSTED"}}`, ErrRetry, "RESOURCE_EXHAUSTED"},
		{"bad message", 400, `{"error":{"code":400,"status":"INVALID_ARGUMENT","message":"bad"}}`, ErrRejected, "INVALID_ARGUMENT"},
		{"token revoked", 401, `{"error":{"code":401,"status":"UNAUTHENTICATED"}}`, ErrRetry, "UNAUTHENTICATED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, s := newFCM(t)
			f.Reply(pushtest.Status(tt.status, tt.body))
			r, err := s.Send(t.Context(), "t", note)
			if !errors.Is(err, tt.want) || r.Status != tt.status || !strings.Contains(r.Reason, tt.reason) {
				t.Errorf("send = %+v, %v; want %v", r, err, tt.want)
			}
			s.Send(t.Context(), "t", note)
			if want := map[bool]int{true: 2, false: 1}[tt.status == 401]; f.AccessTokens() != want {
				t.Errorf("%d access tokens, want %d (a new one only after a 401)", f.AccessTokens(), want)
			}
		})
	}
	f, s := newFCM(t)
	s.tokenURL = f.URL + "/nowhere"
	if _, err := s.Send(t.Context(), "t", note); err == nil || !retryable(err) {
		t.Errorf("token endpoint failing: %v, want a retryable error", err)
	}
}

func newAPNs(t *testing.T) (*pushtest.APNs, *APNsSender) {
	a := pushtest.StartAPNs(t)
	return a, NewAPNs(APNsConfig{Key: a.Key, KeyID: pushtest.APNsKeyID, TeamID: pushtest.APNsTeamID, Topic: pushtest.APNsTopic,
		Endpoint: a.URL}, a.Server.Client())
}

func TestAPNsSendsOverHTTP2(t *testing.T) {
	a, s := newAPNs(t)
	r, err := s.Send(t.Context(), "a1b2c3d4e5f6", note)
	if err != nil || r.Status != 200 || r.ID != "EC1BF194-B3B2-424A-89A9-5A918A6E6B5D" || r.Provider != APNs {
		t.Fatalf("send = %+v, %v", r, err)
	}
	first := s.jwt
	if _, err := s.Send(t.Context(), "a1b2c3d4e5f6", note); err != nil || s.jwt != first {
		t.Errorf("provider token not reused: %v", err)
	}
	if got := a.Received(); len(got) != 2 || got[0].Token != "a1b2c3d4e5f6" || got[0].Badge != 3 || got[0].Data["conversationId"] != "p2p:alice:bob" {
		t.Errorf("received %+v", got)
	}
}

func TestAPNsErrors(t *testing.T) {
	tests := []struct {
		status int
		reason string
		want   error
	}{
		{410, "Unregistered", ErrUnregistered},
		{400, "BadDeviceToken", ErrUnregistered},
		{400, "BadTopic", ErrRejected},
		{429, "TooManyRequests", ErrRetry},
		{503, "ServiceUnavailable", ErrRetry},
		{403, "ExpiredProviderToken", ErrRetry},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			a, s := newAPNs(t)
			a.Reply(pushtest.Status(tt.status, `{"reason":"`+tt.reason+`"}`))
			r, err := s.Send(t.Context(), "tok", note)
			if !errors.Is(err, tt.want) || r.Status != tt.status || r.Reason != tt.reason {
				t.Errorf("send = %+v, %v; want %v", r, err, tt.want)
			}
			if tt.reason == "ExpiredProviderToken" && s.jwt != "" {
				t.Error("an expired provider token is kept")
			}
		})
	}
}
