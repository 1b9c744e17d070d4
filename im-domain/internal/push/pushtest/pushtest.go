// Package pushtest runs stand-ins of the push providers for tests: Google's
// OAuth2 token endpoint with FCM HTTP v1, and APNs over HTTP/2 with TLS.
// Each checks the real request format (the signed JWTs, the paths, the
// headers, the JSON), fails the test on a deviation, records what it got
// and answers as the provider does (Reply changes the answer).
package pushtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// Notification is one push a fake received.
type Notification struct {
	Token, Title, Body string
	Badge              int64
	Data               map[string]string
}

// Reply writes a provider's answer.
type Reply func(w http.ResponseWriter)

// recorder keeps what a fake received and its current reply.
type recorder struct {
	mu    sync.Mutex
	got   []Notification
	reply Reply
}

func (r *recorder) add(n Notification) Reply {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, n)
	return r.reply
}

// Reply sets the answer to the following sends.
func (r *recorder) Reply(f Reply) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reply = f
}

// Received returns the notifications so far.
func (r *recorder) Received() []Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Notification(nil), r.got...)
}

// Status answers every send with status and a JSON body.
func Status(status int, body string) Reply {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}

// VerifyJWT checks a compact JWT's signature with pub (RS256 for an RSA
// key, ES256 with the raw r||s signature for an ECDSA key) and returns its
// header and claims; it fails t on any deviation.
func VerifyJWT(t testing.TB, token string, pub crypto.PublicKey) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("pushtest: jwt %q: %d parts", token, len(parts))
	}
	dec := base64.RawURLEncoding
	sig, err := dec.DecodeString(parts[2])
	if err != nil {
		t.Fatalf("pushtest: jwt signature: %v", err)
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if err := rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], sig); err != nil {
			t.Fatalf("pushtest: RS256 signature: %v", err)
		}
	case *ecdsa.PublicKey:
		if len(sig) != 64 || !ecdsa.Verify(k, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			t.Fatalf("pushtest: ES256 signature (raw r||s, %d bytes) does not verify", len(sig))
		}
	default:
		t.Fatalf("pushtest: key %T", pub)
	}
	for i, v := range []*map[string]any{&header, &claims} {
		b, err := dec.DecodeString(parts[i])
		if err != nil || json.Unmarshal(b, v) != nil {
			t.Fatalf("pushtest: jwt part %d: %s (%v)", i, b, err)
		}
	}
	return header, claims
}

// PKCS8 encodes key as a PEM "PRIVATE KEY" block, as Google and Apple
// ship keys.
func PKCS8(t testing.TB, key any) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}
