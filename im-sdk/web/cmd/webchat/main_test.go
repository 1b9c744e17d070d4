package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHandler_ProxiesTheAPI(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Method+" "+r.URL.RequestURI())
	}))
	defer api.Close()
	cfg, err := load(envMap{"IM_DOMAIN_URL": api.URL, "IM_APP_ID": "7"}.get)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler(cfg))
	defer srv.Close()
	tests := []struct{ path, want string }{
		{"/v1/user/login?appId=7&identifier=a", "POST /v1/user/login?appId=7&identifier=a"},
		{"/config.json", `{"appId":7,"apiUrl":""}`},
	}
	for _, tt := range tests {
		res, err := http.Post(srv.URL+tt.path, "application/json", nil)
		if tt.path == "/config.json" {
			res, err = http.Get(srv.URL + tt.path)
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(body) != tt.want {
			t.Errorf("%s: %q, want %q", tt.path, body, tt.want)
		}
	}
}

func TestLoad_Refuses(t *testing.T) {
	tests := []map[string]string{
		{"IM_DOMAIN_URL": "not a url"},
		{"IM_APP_ID": "-1"},
	}
	for _, env := range tests {
		if _, err := load(envMap(env).get); err == nil {
			t.Errorf("%v accepted", env)
		}
	}
}

type envMap map[string]string

func (m envMap) get(k string) string { return m[k] }
