package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/signedrest"
)

// TestZooKeeperReplacesTheStaticRegistry: with IM_ZK_SERVERS the binary's
// gateway registers in ZooKeeper and the REST login route hands it out from
// there, and readiness covers the ZooKeeper session.
func TestZooKeeperReplacesTheStaticRegistry(t *testing.T) {
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	in := newInstance(t)
	in.env = []string{envZooKeeper + "=127.0.0.1:2181", "IM_ZK_ROOT=/standalone_" + hex.EncodeToString(suffix)}
	in.start(t)
	resp, err := http.Get("http://" + in.rest + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "zookeeper") {
		t.Errorf("readyz without ZooKeeper: %s", body)
	}
	in.admin(t, "/v1/user/importUser", map[string]any{"userData": []map[string]any{{"userId": "zed", "nickName": "zed"}}})
	api := signedrest.Client{BaseURL: "http://" + in.rest, AppID: testApp, Secret: []byte(in.secret)}
	var route struct {
		TCP string `json:"tcpAddress"`
	}
	if err := api.Call(t.Context(), "zed", "/v1/user/login", map[string]any{"userId": "zed", "clientType": device.Android}, &route); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(in.tcp)
	if !strings.HasSuffix(route.TCP, ":"+port) {
		raw, _ := json.Marshal(route)
		t.Errorf("login route handed out %s, want this binary's gateway (port %s)", raw, port)
	}
}

// TestZooKeeperUnreachableNamesTheSetting is the ZooKeeper line of the bad
// configuration table (apart: reaching it takes the full reach timeout).
func TestZooKeeperUnreachableNamesTheSetting(t *testing.T) {
	env := map[string]string{envDataDir: t.TempDir(), "IM_HTTP_ADDR": "127.0.0.1:0", "IM_TCP_ADDR": "127.0.0.1:0",
		"IM_WS_ADDR": "127.0.0.1:0", envGatewayHTTP: "127.0.0.1:0", envStoreHTTP: "127.0.0.1:0", envWeb: "off",
		envZooKeeper: freeAddr(t)}
	err := run(t.Context(), func(k string) string { return env[k] }, io.Discard)
	if err == nil || !strings.HasPrefix(err.Error(), envZooKeeper+":") || strings.Contains(err.Error(), "\n") {
		t.Errorf("error %v: want one line starting with %s:", err, envZooKeeper)
	}
}
