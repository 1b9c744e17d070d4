package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Header names of a callback request.
const (
	HeaderAppID      = "X-IM-App-Id"
	HeaderEvent      = "X-IM-Event"
	HeaderDeliveryID = "X-IM-Delivery-Id"
	HeaderTimestamp  = "X-IM-Timestamp"
	HeaderSignature  = "X-IM-Signature"
)

// Tolerance is how far a callback's timestamp may be from the receiver's
// clock (Stripe's default).
const Tolerance = 5 * time.Minute

// Sign returns the X-IM-Signature value for body sent at timestamp (unix
// seconds): "v1=" + hex(HMAC-SHA256(secret, timestamp + "." + body)).
func Sign(secret string, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(timestamp, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// Errors of Verify.
var (
	ErrBadSignature = errors.New("webhook: bad signature")
	ErrStale        = errors.New("webhook: timestamp outside tolerance")
)

// Verify checks a received callback the way an app server should: the
// timestamp header within Tolerance of now and the signature header over
// the raw body, compared in constant time.
func Verify(secret, timestamp, signature string, body []byte, now time.Time) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || !strings.HasPrefix(signature, "v1=") {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(ts, 0)); d > Tolerance || d < -Tolerance {
		return ErrStale
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(signature)) {
		return ErrBadSignature
	}
	return nil
}
