package gateway

import (
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
)

// A sign for "x2 " (or with a control character, or the conversation
// separator) is refused before anything else: such a user id is nobody,
// and MariaDB would once have read it as x2.
func TestLoginUserIDIsAValidID(t *testing.T) {
	g, _, _ := testGateway(t, device.PolicyUnlimited)
	for _, tt := range []struct {
		user string
		want float64
	}{
		{"x2", 200},
		{"X2", 200}, // another user (the domain decides whether it exists)
		{"x2 ", 1002},
		{" x2", 1002},
		{"x\x002", 1002},
		{"x2\u200b", 1002},
		{"P2:P3", 1002},
		{"", 1002},
	} {
		code, open := loginAttempt{ip: "10.0.0.2", app: 7, user: tt.user, secret: "s", expire: time.Hour}.try(t, g)
		if code != tt.want || open != (tt.want == 200) {
			t.Errorf("login %q: code %v open %v, want %v", tt.user, code, open, tt.want)
		}
	}
}
