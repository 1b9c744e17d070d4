//go:build integration

package httpapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-common/config"
	"github.com/whaleim/whaleim/im-common/tlstest"
	"github.com/whaleim/whaleim/im-domain/domain"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
)

// TestRESTOverTLS: with IM_TLS_CERT and IM_TLS_KEY the REST API answers
// over HTTPS, and a plain HTTP client on that port gets a 400, not a hang.
func TestRESTOverTLS(t *testing.T) {
	files := tlstest.New(t)
	env := map[string]string{"IM_TLS_CERT": files.CertFile, "IM_TLS_KEY": files.KeyFile}
	e := apitest.StartWith(t, func(c *domain.Config) {
		ce := config.NewEnv(func(k string) string { return env[k] })
		c.TLS = config.LoadTLS(ce)
		if err := ce.Err(); err != nil {
			t.Fatal(err)
		}
	})
	if !strings.HasPrefix(e.URL, "https://") {
		t.Fatalf("URL %s, want https", e.URL)
	}
	e.ImportUsers("alice")
	e.Call("alice", "/v1/user/data/getSingleUserInfo", map[string]any{"userId": "alice"}).WantCode(t, 200)

	resp, err := http.Get("http://" + strings.TrimPrefix(e.URL, "https://") + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("plain HTTP on the HTTPS port: %d %s, want 400", resp.StatusCode, body)
	}
}
