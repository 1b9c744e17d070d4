package push

import (
	"context"
	"fmt"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
)

// Provider names, as registered with a token.
const (
	FCM  = "fcm"
	APNs = "apns"
)

// MaxToken bounds a registered token (FCM's are ~160 bytes, APNs' 64 hex
// digits; room for longer ones).
const MaxToken = 512

// Token is one device's push registration.
type Token struct {
	UserID     string      `json:"userId"`
	ClientType device.Type `json:"clientType"`
	IMEI       string      `json:"imei"`
	Provider   string      `json:"provider"`
	Token      string      `json:"token"`
	Updated    int64       `json:"updateTime"` // unix milliseconds
}

// Validate refuses a token the providers cannot use, naming the field.
func (t *Token) Validate() error {
	switch {
	case t.Provider != FCM && t.Provider != APNs:
		return errcode.MissingField.With(fmt.Sprintf("provider: %q or %q", FCM, APNs))
	case t.Token == "" || len(t.Token) > MaxToken:
		return errcode.MissingField.With(fmt.Sprintf("token: 1 to %d bytes", MaxToken))
	case !t.ClientType.Valid() || t.IMEI == "":
		return errcode.MissingField.With("clientType and imei: the device the token belongs to")
	}
	return nil
}

// Store keeps the tokens (MySQL).
type Store interface {
	SavePushToken(ctx context.Context, appID uint32, t Token) error
	DeletePushToken(ctx context.Context, appID uint32, userID string, clientType device.Type, imei string) error
	DeletePushTokenValue(ctx context.Context, appID uint32, provider, token string) error
	PushTokens(ctx context.Context, appID uint32, userID string) ([]Token, error)
}
