package pushtest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// Project is the FCM project of the fake service account.
const Project = "whale-test"

// FCM is Google's token endpoint (POST /token) and FCM v1 (POST
// /v1/projects/whale-test/messages:send) in one plain-HTTP server.
type FCM struct {
	recorder
	URL    string
	t      testing.TB
	key    *rsa.PrivateKey
	tokens atomic.Int32
}

// StartFCM runs the fake until t ends; it answers sends with a message
// name until Reply says otherwise.
func StartFCM(t testing.TB) *FCM {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f := &FCM{t: t, key: k}
	f.reply = Status(http.StatusOK, `{"name":"projects/`+Project+`/messages/0:1700000000%abc"}`)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", f.token)
	mux.HandleFunc("POST /v1/projects/"+Project+"/messages:send", f.send)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// ServiceAccount is the key file of the fake's service account, as the
// Firebase console downloads it, with its token_uri on the fake.
func (f *FCM) ServiceAccount() []byte {
	b, _ := json.Marshal(map[string]string{"type": "service_account", "project_id": Project, "private_key_id": "kid-1",
		"private_key": string(PKCS8(f.t, f.key)), "client_email": "push@" + Project + ".iam.gserviceaccount.com",
		"token_uri": f.URL + "/token"})
	return b
}

// AccessTokens is how many access tokens the fake issued.
func (f *FCM) AccessTokens() int { return int(f.tokens.Load()) }

func (f *FCM) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" ||
		r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		f.t.Errorf("pushtest: token request %v %v", r.Header, r.PostForm)
	}
	h, c := VerifyJWT(f.t, r.PostForm.Get("assertion"), &f.key.PublicKey)
	exp, _ := c["exp"].(float64)
	iat, _ := c["iat"].(float64)
	if h["alg"] != "RS256" || h["kid"] != "kid-1" || c["iss"] != "push@"+Project+".iam.gserviceaccount.com" ||
		c["scope"] != "https://www.googleapis.com/auth/firebase.messaging" || c["aud"] != f.URL+"/token" ||
		exp-iat != 3600 || time.Since(time.Unix(int64(iat), 0)).Abs() > time.Minute {
		f.t.Errorf("pushtest: service-account JWT header %v claims %v", h, c)
	}
	n := f.tokens.Add(1)
	json.NewEncoder(w).Encode(map[string]any{"access_token": "ya29.token-" + strconv.Itoa(int(n)), "expires_in": 3599, "token_type": "Bearer"})
}

func (f *FCM) send(w http.ResponseWriter, r *http.Request) {
	want := "Bearer ya29.token-" + strconv.Itoa(int(f.tokens.Load()))
	if r.Header.Get("Authorization") != want || r.Header.Get("Content-Type") != "application/json; charset=UTF-8" {
		f.t.Errorf("pushtest: FCM send headers %v, want authorization %s", r.Header, want)
	}
	body, _ := io.ReadAll(r.Body)
	var m struct {
		Message struct {
			Token        string            `json:"token"`
			Notification map[string]string `json:"notification"`
			Data         map[string]string `json:"data"`
			Android      map[string]any    `json:"android"`
			APNs         struct {
				Payload struct {
					APS struct {
						Badge *int64 `json:"badge"`
					} `json:"aps"`
				} `json:"payload"`
			} `json:"apns"`
		} `json:"message"`
	}
	msg := &m.Message
	if err := json.Unmarshal(body, &m); err != nil || msg.Token == "" || msg.Notification["title"] == "" ||
		msg.APNs.Payload.APS.Badge == nil || msg.Data["badge"] != strconv.FormatInt(*msg.APNs.Payload.APS.Badge, 10) {
		f.t.Errorf("pushtest: FCM message %s (%v)", body, err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	f.add(Notification{Token: msg.Token, Title: msg.Notification["title"], Body: msg.Notification["body"],
		Badge: *msg.APNs.Payload.APS.Badge, Data: msg.Data})(w)
}
