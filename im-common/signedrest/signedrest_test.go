package signedrest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/signedrest"
	"github.com/whaleim/whaleim/im-common/usersign"
)

var secret = []byte("s3cret")

const appID = 10007

// server answers every POST with answer after checking the request is
// signed for its identifier; it records the last body.
func server(t *testing.T, answer string, got *string) *signedrest.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || q.Get("appId") != "10007" {
			http.Error(w, "bad request "+r.Method+" "+r.URL.String(), http.StatusBadRequest)
			return
		}
		if _, err := usersign.Verify(q.Get("userSign"), secret, appID, q.Get("identifier"), time.Now()); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		b, _ := io.ReadAll(r.Body)
		*got = r.URL.Path + " " + q.Get("identifier") + " " + string(b)
		io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return &signedrest.Client{BaseURL: srv.URL, AppID: appID, Secret: secret}
}

func TestCall(t *testing.T) {
	tests := []struct {
		name, answer string
		wantErr      string // "" for success
		wantCode     int    // of a *RefusedError
		wantOut      string
	}{
		{name: "ok", answer: `{"code":200,"msg":"ok","data":{"brokerId":"gw1"}}`, wantOut: "gw1"},
		{name: "refused", answer: `{"code":6000,"msg":"no such group"}`, wantErr: "POST /v1/x: code 6000 no such group", wantCode: 6000},
		{name: "not an envelope", answer: `<html>`, wantErr: "POST /v1/x: 200 OK: decode"},
		{name: "data of another shape", answer: `{"code":200,"data":[1]}`, wantErr: "POST /v1/x: data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			c := server(t, tt.answer, &got)
			var out struct {
				BrokerID string `json:"brokerId"`
			}
			err := c.Call(context.Background(), "alice", "/v1/x", map[string]any{"userId": "alice"}, &out)
			if got != `/v1/x alice {"userId":"alice"}` {
				t.Fatalf("server got %q", got)
			}
			if tt.wantErr == "" {
				if err != nil || out.BrokerID != tt.wantOut {
					t.Fatalf("Call = %v, out %+v; want nil, %s", err, out, tt.wantOut)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Call = %v, want %q", err, tt.wantErr)
			}
			var re *signedrest.RefusedError
			if errors.As(err, &re) != (tt.wantCode != 0) || (re != nil && re.Code != tt.wantCode) {
				t.Fatalf("Call = %#v, want a RefusedError only for code %d", err, tt.wantCode)
			}
		})
	}
}

func TestPostReturnsEveryCode(t *testing.T) {
	var got string
	c := server(t, `{"code":2001,"msg":"identity mismatch","data":null}`, &got)
	a, err := c.Post(context.Background(), "admin", "/v1/y", struct{}{})
	if err != nil || a.Code != 2001 || a.Msg != "identity mismatch" || string(a.Data) != "null" {
		t.Fatalf("Post = %+v, %v", a, err)
	}
	if err := c.Call(context.Background(), "admin", "/v1/y", json.RawMessage(`{}`), nil); err == nil {
		t.Fatal("Call accepted code 2001")
	}
}

func TestUnreachable(t *testing.T) {
	c := &signedrest.Client{BaseURL: "http://127.0.0.1:1", AppID: appID, Secret: secret}
	if _, err := c.Post(context.Background(), "admin", "/v1/z", nil); err == nil || !strings.HasPrefix(err.Error(), "POST /v1/z: ") {
		t.Fatalf("Post = %v, want POST /v1/z: ...", err)
	}
}
