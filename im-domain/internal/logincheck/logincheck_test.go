package logincheck

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
)

// users answers CanLogin from a table: a missing user is not found.
type users map[string]error

func (u users) CanLogin(_ context.Context, _ uint32, id string) error {
	err, ok := u[id]
	if !ok {
		return errcode.UserNotFound.With(id)
	}
	return err
}

func TestAnswer(t *testing.T) {
	c := New(users{"alice": nil, "fred": errcode.UserForbidden, "dora": errors.New("mysql: connection refused")},
		slog.New(slog.DiscardHandler))
	req := func(app uint32, user string) string {
		b, _ := json.Marshal(mq.AuthRequest{Version: mq.Version, AppID: app, UserID: user})
		return string(b)
	}
	tests := []struct {
		name string
		body string
		want errcode.Code
	}{
		{"allowed", req(7, "alice"), 200},
		{"forbidden", req(7, "fred"), errcode.UserForbidden.Code},
		{"never imported or deleted", req(7, "nobody"), errcode.UserNotFound.Code},
		{"store down: retryable, never allowed", req(7, "dora"), errcode.Unavailable.Code},
		{"no user", req(7, ""), errcode.MissingField.Code},
		{"garbage", "{", errcode.BadRequest.Code},
		{"unknown version", `{"v":99,"appId":7,"userId":"alice"}`, errcode.BadRequest.Code},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.Answer(t.Context(), []byte(tt.body))
			var r mq.AuthReply
			if err != nil || json.Unmarshal(out, &r) != nil || r.Version != mq.Version {
				t.Fatalf("Answer = %s, %v", out, err)
			}
			if errcode.Code(r.Code) != tt.want {
				t.Errorf("code %d (%s), want %d", r.Code, r.Msg, tt.want)
			}
		})
	}
}
