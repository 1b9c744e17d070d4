package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/whaleim/whaleim/im-common/errcode"
)

// Bounds of a secret and of the overlap window of a rotation.
const (
	MinSecretLen   = 16
	MaxSecretLen   = 128 // the apps.secret column
	MaxOverlap     = 30 * 24 * time.Hour
	DefaultOverlap = 24 * time.Hour
)

// Secrets returns the secrets a sign may be made with at now: the current
// one, then the previous one during its overlap window.
func (a *App) Secrets(now time.Time) [][]byte {
	out := [][]byte{[]byte(a.Secret)}
	if a.Previous != "" && now.Before(a.PreviousUntil) {
		out = append(out, []byte(a.Previous))
	}
	return out
}

// NewSecret returns a random secret (32 hex characters).
func NewSecret() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

func checkSecret(secret, current string) error {
	switch {
	case len(secret) < MinSecretLen || len(secret) > MaxSecretLen:
		return errcode.MissingField.With(fmt.Sprintf("secret: %d to %d characters", MinSecretLen, MaxSecretLen))
	case secret == current:
		return errcode.MissingField.With("secret: equal to the current secret")
	}
	return nil
}

// RotateSecret replaces app id's secret by secret (a random one when
// empty). The old secret keeps verifying for overlap, so signs issued
// before the rotation work until they are renewed; overlap 0 revokes it at
// once.
func (s *Service) RotateSecret(ctx context.Context, id uint32, secret string, overlap time.Duration) (*App, error) {
	if overlap < 0 || overlap > MaxOverlap {
		return nil, errcode.MissingField.With("overlapSeconds: 0 to " + fmt.Sprint(int(MaxOverlap.Seconds())))
	}
	if secret == "" {
		secret = NewSecret()
	}
	return s.modify(ctx, id, func(a *App) error {
		if err := checkSecret(secret, a.Secret); err != nil {
			return err
		}
		a.Previous, a.PreviousUntil, a.Secret = a.Secret, s.now().Add(overlap), secret
		return nil
	})
}

func configuredHash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}
