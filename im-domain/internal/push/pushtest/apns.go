package pushtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The fake APNs key's identity.
const (
	APNsKeyID  = "ABC123DEFG"
	APNsTeamID = "DEF123GHIJ"
	APNsTopic  = "im.whale.app"
)

// APNs is Apple's push gateway over HTTP/2 with TLS.
type APNs struct {
	recorder
	URL    string
	Server *httptest.Server
	Key    *ecdsa.PrivateKey
	t      testing.TB
}

// StartAPNs runs the fake until t ends; it answers 200 with an apns-id
// until Reply says otherwise.
func StartAPNs(t testing.TB) *APNs {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	a := &APNs{t: t, Key: k}
	a.reply = func(w http.ResponseWriter) { w.Header().Set("apns-id", "EC1BF194-B3B2-424A-89A9-5A918A6E6B5D") }
	a.Server = httptest.NewUnstartedServer(http.HandlerFunc(a.serve))
	a.Server.EnableHTTP2 = true
	a.Server.StartTLS()
	t.Cleanup(a.Server.Close)
	a.URL = a.Server.URL
	return a
}

// KeyPEM is the .p8 file of the fake's key.
func (a *APNs) KeyPEM() []byte { return PKCS8(a.t, a.Key) }

// CertPEM is the fake's TLS certificate, for a client's roots.
func (a *APNs) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.Server.Certificate().Raw})
}

// Roots trusts the fake's certificate.
func (a *APNs) Roots() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(a.Server.Certificate())
	return p
}

func (a *APNs) serve(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor != 2 {
		a.t.Errorf("pushtest: APNs request over %s, want HTTP/2", r.Proto)
	}
	token, ok := strings.CutPrefix(r.URL.Path, "/3/device/")
	if r.Method != http.MethodPost || !ok || token == "" || r.Header.Get("apns-topic") != APNsTopic ||
		r.Header.Get("apns-push-type") != "alert" || r.Header.Get("apns-priority") != "10" {
		a.t.Errorf("pushtest: APNs request %s %s %v", r.Method, r.URL.Path, r.Header)
	}
	jwt, ok := strings.CutPrefix(r.Header.Get("authorization"), "bearer ")
	if !ok {
		a.t.Errorf("pushtest: APNs authorization %q", r.Header.Get("authorization"))
		w.WriteHeader(http.StatusForbidden)
		return
	}
	h, c := VerifyJWT(a.t, jwt, &a.Key.PublicKey)
	iat, _ := c["iat"].(float64)
	if h["alg"] != "ES256" || h["kid"] != APNsKeyID || c["iss"] != APNsTeamID || time.Since(time.Unix(int64(iat), 0)).Abs() > time.Minute {
		a.t.Errorf("pushtest: provider token header %v claims %v", h, c)
	}
	body, _ := io.ReadAll(r.Body)
	var p map[string]any
	var aps struct {
		APS struct {
			Alert struct{ Title, Body string } `json:"alert"`
			Badge *int64                       `json:"badge"`
		} `json:"aps"`
	}
	if json.Unmarshal(body, &p) != nil || json.Unmarshal(body, &aps) != nil || aps.APS.Alert.Title == "" || aps.APS.Badge == nil {
		a.t.Errorf("pushtest: APNs payload %s", body)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	data := map[string]string{}
	for k, v := range p {
		if s, ok := v.(string); ok {
			data[k] = s
		}
	}
	a.add(Notification{Token: token, Title: aps.APS.Alert.Title, Body: aps.APS.Alert.Body, Badge: *aps.APS.Badge, Data: data})(w)
}
