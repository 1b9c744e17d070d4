package gateway

import (
	"errors"
	"testing"

	"github.com/whaleim/whaleim/im-common/errcode"
)

func TestVerdict(t *testing.T) {
	tests := []struct {
		code errcode.Code
		want *errcode.Error // nil: allowed
	}{
		{200, nil},
		{errcode.UserForbidden.Code, errcode.UserForbidden},
		{errcode.UserNotFound.Code, errcode.UserNotFound},
		{errcode.Unavailable.Code, errcode.Unavailable},
		{12345, errcode.Unavailable}, // unknown: refused as retryable, never allowed
	}
	for _, tt := range tests {
		err := verdict(tt.code)
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("verdict(%d) = %v, want %v", tt.code, err, tt.want)
		}
	}
}
