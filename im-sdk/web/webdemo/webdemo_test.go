package webdemo_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-sdk/web/webdemo"
)

func TestHandler(t *testing.T) {
	h := webdemo.Handler(webdemo.Config{AppID: 42, APIURL: "http://api.example"})
	index := struct {
		code int
		body string
	}{http.StatusServiceUnavailable, "./build.sh web"}
	if webdemo.Built() {
		index.code, index.body = http.StatusOK, `<script type="module" src="app.js">`
	}
	tests := []struct {
		name, path string
		code       int
		body       string
	}{
		{"config", "/config.json", http.StatusOK, `{"appId":42,"apiUrl":"http://api.example"}`},
		{"index", "/", index.code, index.body},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			body, _ := io.ReadAll(rec.Body)
			if rec.Code != tt.code || !strings.Contains(string(body), tt.body) {
				t.Errorf("GET %s: %d %q, want %d containing %q", tt.path, rec.Code, body, tt.code, tt.body)
			}
		})
	}
}
