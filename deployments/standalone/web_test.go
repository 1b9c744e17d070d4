package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/whaleim/whaleim/im-sdk/web/webdemo"
)

// TestServesTheWebDemo: the binary serves the web chat demo on IM_WEB_ADDR,
// forwards its /v1/ calls to the REST API, and its gateway accepts
// WebSocket upgrades from the demo's origin (and refuses other sites).
func TestServesTheWebDemo(t *testing.T) {
	in := newInstance(t)
	in.start(t)
	base := "http://" + in.web
	status, body := get(t, base+"/")
	switch {
	case webdemo.Built() && (status != http.StatusOK || !strings.Contains(body, "<html")):
		t.Fatalf("GET /: %d %.200s, want the demo page", status, body)
	case !webdemo.Built() && (status != http.StatusServiceUnavailable || !strings.Contains(body, "./build.sh web")):
		t.Fatalf("GET / without a built demo: %d %.200s, want 503 saying how to build it", status, body)
	}
	var cfg webdemo.Config
	if _, raw := get(t, base+"/config.json"); json.Unmarshal([]byte(raw), &cfg) != nil || cfg.AppID != testApp {
		t.Fatalf("config.json %q", raw)
	}
	// through the demo's origin: the domain's own envelope (1008 for a GET
	// of a POST route), not the web server's plain 404
	if status, raw := get(t, base+"/v1/user/data/getSingleUserInfo"); !strings.Contains(raw, `"code":1008`) {
		t.Fatalf("/v1/ through the demo: %d %q", status, raw)
	}
	for _, tt := range []struct {
		origin string
		ok     bool
	}{{"http://" + in.web, true}, {"http://localhost:" + in.web[strings.LastIndex(in.web, ":")+1:], true}, {"https://evil.example", false}} {
		c, _, err := websocket.DefaultDialer.Dial("ws://"+in.ws+"/ws", http.Header{"Origin": {tt.origin}})
		if err == nil {
			c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			_, _, err = c.ReadMessage() // a refused origin gets a close frame
			c.Close()
		}
		var ce *websocket.CloseError
		refused := errors.As(err, &ce) && ce.Code == websocket.ClosePolicyViolation
		if refused == tt.ok {
			t.Errorf("origin %s: refused=%v (%v), want accepted=%v", tt.origin, refused, err, tt.ok)
		}
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
