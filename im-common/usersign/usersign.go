// Package usersign issues and verifies user signatures (userSign) in the
// Tencent TLS-v2 format, so integrators can keep their existing generators.
//
//	content  = "TLS.identifier:{id}\nTLS.sdkappid:{appId}\nTLS.time:{unix}\nTLS.expire:{seconds}\n"
//	TLS.sig  = base64(HMAC-SHA256(appSecret, content))
//	userSign = base64(zlib(token JSON)) with '+'->'*', '/'->'-', '='->'_'
//
// An optional TLS.userbuf (base64 app data) is signed as a fifth line, as
// TLSSigAPIv2 does. IM-WhaleShark's own SigAPI format (TLS.appId and
// TLS.expireTime in place of TLS.sdkappid and TLS.time, in the JSON and in
// the signed content) is accepted only with the WhaleSharkFormat option, so
// a WhaleShark back-end's generator keeps working while migrating.
//
// Verification recomputes the HMAC and compares it in constant time, bounds
// the inflated size, and checks the app, the identifier and the expiry. The
// gateway (login) and the domain (REST auth) share this one implementation.
package usersign

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/whaleim/whaleim/im-common/errcode"
)

// MaxSignLen bounds the encoded sign, and MaxInflated the decompressed token,
// so a crafted sign cannot make the verifier allocate much (zip bombs).
const (
	MaxSignLen  = 2048
	MaxInflated = 4096
)

// Claims is what a valid sign asserts.
type Claims struct {
	AppID      uint32
	Identifier string
	Issued     time.Time
	Expire     time.Duration
}

// Expires is the instant after which the sign is refused.
func (c Claims) Expires() time.Time { return c.Issued.Add(c.Expire) }

type token struct {
	Ver        string `json:"TLS.ver"`
	Identifier string `json:"TLS.identifier"`
	AppID      uint32 `json:"TLS.sdkappid"`
	Expire     int64  `json:"TLS.expire"`
	Time       int64  `json:"TLS.time"`
	UserBuf    string `json:"TLS.userbuf,omitempty"`
	Sig        string `json:"TLS.sig"`
	// WhaleShark's SigAPI names for the app and the issue time.
	WSAppID *uint32 `json:"TLS.appId,omitempty"`
	WSTime  int64   `json:"TLS.expireTime,omitempty"`
	ws      bool    // decoded from WhaleShark's format
}

// fromWhaleShark moves the fields of a token in IM-WhaleShark's format to
// the Tencent names, so every check after the HMAC is shared.
func (t *token) fromWhaleShark() {
	if t.WSAppID != nil && t.AppID == 0 {
		t.AppID, t.Time, t.ws = *t.WSAppID, t.WSTime, true
	}
}

var urlSafe = strings.NewReplacer("+", "*", "/", "-", "=", "_")
var urlUnsafe = strings.NewReplacer("*", "+", "-", "/", "_", "=")

// mac is TLS.sig for t; ws selects WhaleShark's field names in the content.
func mac(secret []byte, t token, ws bool) string {
	appKey, timeKey := "TLS.sdkappid:", "TLS.time:"
	if ws {
		appKey, timeKey = "TLS.appId:", "TLS.expireTime:"
	}
	content := "TLS.identifier:" + t.Identifier + "\n" +
		appKey + strconv.FormatUint(uint64(t.AppID), 10) + "\n" +
		timeKey + strconv.FormatInt(t.Time, 10) + "\n" +
		"TLS.expire:" + strconv.FormatInt(t.Expire, 10) + "\n"
	if t.UserBuf != "" {
		content += "TLS.userbuf:" + t.UserBuf + "\n"
	}
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(content))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// Generate issues a sign for identifier in appID, valid for expire from now.
func Generate(secret []byte, appID uint32, identifier string, now time.Time, expire time.Duration) (string, error) {
	t := token{Ver: "2.0", Identifier: identifier, AppID: appID, Expire: int64(expire / time.Second), Time: now.Unix()}
	t.Sig = mac(secret, t, false)
	return encode(t)
}

// GenerateWhaleShark issues a sign in IM-WhaleShark's SigAPI format, as a
// WhaleShark back-end does: for migration tests and tools. Verify accepts it
// only with WhaleSharkFormat.
func GenerateWhaleShark(secret []byte, appID uint32, identifier string, now time.Time, expire time.Duration) (string, error) {
	t := token{Identifier: identifier, AppID: appID, Expire: int64(expire / time.Second), Time: now.Unix()}
	t.Sig = mac(secret, t, true)
	return encode(wsToken{Identifier: t.Identifier, AppID: t.AppID, Expire: t.Expire, Time: t.Time, Sig: t.Sig})
}

// wsToken is the JSON of WhaleShark's SigAPI.
type wsToken struct {
	Identifier string `json:"TLS.identifier"`
	AppID      uint32 `json:"TLS.appId"`
	Expire     int64  `json:"TLS.expire"`
	Time       int64  `json:"TLS.expireTime"`
	Sig        string `json:"TLS.sig"`
}

// encode is base64url(zlib(JSON of t)) with the TLS alphabet.
func encode(t any) (string, error) {
	raw, err := json.Marshal(t)
	if err != nil {
		return "", fmt.Errorf("usersign: marshal: %w", err)
	}
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	if _, err := zw.Write(raw); err != nil {
		return "", fmt.Errorf("usersign: compress: %w", err)
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("usersign: compress: %w", err)
	}
	return urlSafe.Replace(base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}

// Parse decodes a sign without verifying it, so the caller can look up the
// secret of the app it names. Never trust its result before Verify.
func Parse(sign string) (Claims, error) {
	t, err := decode(sign)
	if err != nil {
		return Claims{}, err
	}
	return t.claims(), nil
}

func (t token) claims() Claims {
	return Claims{AppID: t.AppID, Identifier: t.Identifier, Issued: time.Unix(t.Time, 0), Expire: time.Duration(t.Expire) * time.Second}
}

func decode(sign string) (token, error) {
	if sign == "" {
		return token{}, errcode.SignMissing
	}
	if len(sign) > MaxSignLen {
		return token{}, errcode.SignInvalid.With("too long")
	}
	compressed, err := base64.StdEncoding.DecodeString(urlUnsafe.Replace(sign))
	if err != nil {
		return token{}, errcode.SignInvalid.With("not base64")
	}
	zr, err := zlib.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return token{}, errcode.SignInvalid.With("not zlib")
	}
	raw, err := io.ReadAll(io.LimitReader(zr, MaxInflated+1))
	if err != nil || len(raw) > MaxInflated {
		return token{}, errcode.SignInvalid.With("bad or oversized token")
	}
	var t token
	if err := json.Unmarshal(raw, &t); err != nil {
		return token{}, errcode.SignInvalid.With("not json")
	}
	t.fromWhaleShark()
	return t, nil
}

// ErrWrongApp and ErrWrongIdentifier tell callers which check failed; both
// also match errcode values via errors.Is.
var (
	ErrWrongApp        = errcode.AppMismatch
	ErrWrongIdentifier = errcode.IdentityMismatch
)

// Option adjusts Verify.
type Option func(*checks)

type checks struct {
	maxLifetime time.Duration
	whaleShark  bool
}

// WhaleSharkFormat also accepts signs in IM-WhaleShark's SigAPI format
// (IM_USER_SIGN_WHALESHARK). Off by default: the format signs the issue time
// under a different name, and a deployment should opt in to a second format.
func WhaleSharkFormat() Option {
	return func(c *checks) { c.whaleShark = true }
}

// MaxLifetime refuses signs whose expire field is longer than d (0: no
// bound), so a stolen sign cannot be made to live for years: the issuer's
// expire is the sign's own claim, this is the server's limit.
func MaxLifetime(d time.Duration) Option {
	return func(c *checks) { c.maxLifetime = d }
}

// Verify checks sign against secret and returns its claims. appID and
// identifier, when non-zero, must match the sign. Errors carry the
// errcode values SignMissing, SignInvalid, SignExpired, AppMismatch or
// IdentityMismatch.
func Verify(sign string, secret []byte, appID uint32, identifier string, now time.Time, opts ...Option) (Claims, error) {
	var ck checks
	for _, o := range opts {
		o(&ck)
	}
	t, err := decode(sign)
	if err != nil {
		return Claims{}, err
	}
	if t.ws && !ck.whaleShark {
		return Claims{}, errWhaleShark
	}
	if !hmac.Equal([]byte(mac(secret, t, t.ws)), []byte(t.Sig)) {
		return Claims{}, errMismatch
	}
	c := t.claims()
	switch {
	case appID != 0 && c.AppID != appID:
		return Claims{}, ErrWrongApp
	case identifier != "" && c.Identifier != identifier:
		return Claims{}, ErrWrongIdentifier
	case t.Expire <= 0 || !now.Before(c.Expires()):
		return Claims{}, errcode.SignExpired
	case c.Issued.After(now.Add(5 * time.Minute)):
		return Claims{}, errcode.SignInvalid.With("issued in the future")
	case ck.maxLifetime > 0 && c.Expire > ck.maxLifetime:
		return Claims{}, errcode.SignInvalid.With("lifetime longer than the maximum " + ck.maxLifetime.String())
	}
	return c, nil
}

var (
	errMismatch   = errcode.SignInvalid.With("signature mismatch")
	errWhaleShark = errcode.SignInvalid.With("IM-WhaleShark sign format not enabled (IM_USER_SIGN_WHALESHARK)")
)

// VerifyAny is Verify against each of secrets (an app's current secret,
// then the one a rotation replaced, during its overlap window): a sign is
// checked under the first secret whose HMAC it matches, so a sign of the
// old secret that has expired says expired, not mismatch.
func VerifyAny(sign string, secrets [][]byte, appID uint32, identifier string, now time.Time, opts ...Option) (Claims, error) {
	err := error(errMismatch)
	for _, secret := range secrets {
		var c Claims
		if c, err = Verify(sign, secret, appID, identifier, now, opts...); err != errMismatch {
			return c, err
		}
	}
	return Claims{}, err
}

// IsAuthError reports whether err is one of the sign errors above.
func IsAuthError(err error) bool {
	var e *errcode.Error
	return errors.As(err, &e) && e.Code >= 2000 && e.Code < 3000
}
